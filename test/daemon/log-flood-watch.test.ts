// A service whose stdout is its log file writes past the daemon: at 10 MiB/s a 64 KiB log reached 13-26 MB before the
// 2 s rotation pass saw it (200-400x logs.maxBytes), and about 1 MiB (16x) between the flood trims after. The daemon now
// hears each write to a log (one inotify watch per log directory) and rotates it within ~25 ms of passing maxBytes.
import { afterEach, describe, expect, it } from 'vitest';
import { rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanup.length) await Promise.resolve(cleanup.pop()!()).catch(() => undefined);
});

// About 10 MiB/s of 1 KiB lines, in 100 KiB writes every 10 ms, for as long as it runs.
const FLOOD = "const c=('y'.repeat(1023)+'\\n').repeat(100); setInterval(()=>process.stdout.write(c), 10)";

describe('a service writing its log at 10 MiB/s', () => {
  it('has the log kept within a few times logs.maxBytes from the first second, not only after the 2 s pass', async () => {
    const maxBytes = 64 * 1024;
    const t: TestDaemon = await startTestDaemon({ services: [{ name: 'flood', command: [NODE, '-e', FLOOD], logs: { maxBytes, keep: 2 } }] });
    cleanup.push(() => rmSync(t.dir, { recursive: true, force: true }));
    cleanup.push(() => t.stop());
    const log = path.join(t.stateDir, 'logs', 'flood.log');
    const size = (file: string): number => {
      try {
        return statSync(file).size;
      } catch {
        return 0; // Not written yet.
      }
    };
    // The window starts at the flood's first write: on a loaded machine the service's node took seconds to start.
    await waitFor(() => size(log) > 0 || undefined, { timeoutMs: 15_000, intervalMs: 5, message: 'the flood to begin' });
    const sizes: number[] = [];
    await new Promise<void>((resolve) => {
      const began = Date.now();
      const timer = setInterval(() => {
        try {
          sizes.push(statSync(log).size);
        } catch {
          // Not written yet.
        }
        if (Date.now() - began >= 3_000) {
          clearInterval(timer);
          resolve();
        }
      }, 5);
    });
    sizes.sort((a, b) => a - b);
    const median = sizes[sizes.length >> 1]!;
    const max = sizes[sizes.length - 1]!;
    expect(median, `log sizes seen: median ${median}, max ${max}`).toBeLessThanOrEqual(4 * maxBytes);
    expect(max, `log sizes seen: median ${median}, max ${max}`).toBeLessThan(4 * 1024 * 1024);
    // It did flood, and was rotated.
    await waitFor(() => size(`${log}.1`) > 0 || undefined, { timeoutMs: 5_000, message: 'a rotated generation' });
    expect(t.daemon.status().services).toEqual([expect.objectContaining({ name: 'flood', state: 'running' })]);
  }, 45_000);
});
