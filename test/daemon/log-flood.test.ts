// A service that floods its output must not fill the disk: the daemon checks its log every 2 s (it was 30 s, enough
// for gigabytes), keeps each rotated generation bounded with the drop marked in the file, and says so once.
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

// 8 MiB of lines in one burst, then idle: far past the cap of a 64 KiB log, whatever the machine's speed.
const BURST = "const l='z'.repeat(1023)+'\\n'; let s=''; for (let i=0;i<1024;i++) s+=l; for (let i=0;i<8;i++) process.stdout.write(s); setInterval(()=>{}, 1e9)";

describe('a service flooding its output', () => {
  it('has its log rotated within seconds, the generation bounded and the drop marked, with one warning', async () => {
    const maxBytes = 64 * 1024;
    const t: TestDaemon = await startTestDaemon({ services: [{ name: 'burst', command: [NODE, '-e', BURST], logs: { maxBytes, keep: 2 } }] });
    cleanup.push(() => rmSync(t.dir, { recursive: true, force: true }));
    cleanup.push(() => t.stop());
    const warned = await waitFor(() => t.events.find((e) => e.type === 'daemon.housekeeping' && e.service === 'burst'), {
      timeoutMs: 20_000,
      intervalMs: 100,
      message: 'a warning that the output outran the rotation',
    });
    expect(warned.severity).toBe('warning');
    expect(warned.message).toMatch(/^burst: its output outruns the log rotation: \d+ bytes dropped from burst\.log/);
    const logs = path.join(t.stateDir, 'logs');
    const rotated = readFileSync(path.join(logs, 'burst.log.1'), 'utf8');
    expect(rotated.length).toBeLessThanOrEqual(generationCap(maxBytes) + 200);
    expect(rotated).toMatch(/^\[clawback\] \d+ bytes of output before this line were dropped/);
    expect(statSync(path.join(logs, 'burst.log')).size).toBeLessThanOrEqual(generationCap(maxBytes) + 200);
    // The service is still supervised: it runs, and the flood was reported once.
    expect(t.daemon.status().services).toEqual([expect.objectContaining({ name: 'burst', state: 'running' })]);
    expect(t.events.filter((e) => e.type === 'daemon.housekeeping' && e.service === 'burst')).toHaveLength(1);
  });
});
