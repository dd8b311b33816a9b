// A service with `logs.keep: 0` that floods its output (30 MiB of binary in one burst was the report): its log was
// emptied with no line in it, no rotated copy and no warning; the drop is now marked in the file and warned about.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { generationCap } from '../../src/observe/log-rotation.js';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanup.length) await Promise.resolve(cleanup.pop()!()).catch(() => undefined);
});

// 8 MiB of bytes without a newline in one burst, then idle: far past the cap of a 64 KiB log.
const BURST = "const b=Buffer.alloc(1024*1024, 0xfe); for (let i=0;i<8;i++) process.stdout.write(b); setInterval(()=>{}, 1e9)";

describe('a service with logs.keep 0 flooding its output', () => {
  it('has the drop marked in its log and warned about, not an empty file and silence', async () => {
    const maxBytes = 64 * 1024;
    const t: TestDaemon = await startTestDaemon({ services: [{ name: 'binary', command: [NODE, '-e', BURST], logs: { maxBytes, keep: 0 } }] });
    cleanup.push(() => rmSync(t.dir, { recursive: true, force: true }));
    cleanup.push(() => t.stop());
    const log = path.join(t.stateDir, 'logs', 'binary.log');
    const text = await waitFor(
      () => {
        const s = readFileSync(log, 'latin1');
        return s.includes('[clawback]') ? s : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 100, message: 'the drop marked in binary.log' },
    );
    expect(text).toMatch(/^\[clawback\] \d+ bytes of output before this line were dropped: logs\.keep is 0, so no rotated copy is kept \(logs\.maxBytes 65536\)\n/);
    expect(statSync(log).size).toBeLessThanOrEqual(generationCap(maxBytes) + 200);
    const warned = await waitFor(() => t.events.find((e) => e.type === 'daemon.housekeeping' && e.service === 'binary'), {
      timeoutMs: 20_000,
      intervalMs: 100,
      message: 'a warning that the output outran the rotation',
    });
    expect(warned.message).toMatch(/^binary: its output outruns the log rotation: \d+ bytes dropped from binary\.log/);
  });
});
