// A service's log deleted while it runs (rm, a cleanup script): the service still writes into the unlinked file, which
// grew unseen and unrotated while `clawback logs` said "no output yet". Its output is moved back, and that is said once.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanup.length) await Promise.resolve(cleanup.pop()!()).catch(() => undefined);
});

// ~10 KiB a second in numbered lines.
const CHATTY = "let i=0; const pad='y'.repeat(200); setInterval(()=>{ for (let k=0;k<5;k++) console.log('line '+(i++)+' '+pad); }, 100)";

describe.skipIf(process.platform !== 'linux')('a service log deleted under the running service', () => {
  it('gets the output back at the log path, keeps the unlinked file bounded, warns once, and leaves the service alone', async () => {
    const t: TestDaemon = await startTestDaemon({ services: [{ name: 'chatty', command: [NODE, '-e', CHATTY], logs: { maxBytes: 1024 * 1024, keep: 2 } }] });
    cleanup.push(() => rmSync(t.dir, { recursive: true, force: true }));
    cleanup.push(() => t.stop());
    const file = path.join(t.stateDir, 'logs', 'chatty.log');
    const pid = await waitFor(() => t.daemon.runtimes.get('chatty')!.status().pid, { message: 'chatty running' });
    await waitFor(() => existsSync(file) && statSync(file).size > 0, { message: 'chatty writing its log' });
    rmSync(file);
    const warned = await waitFor(() => t.events.find((e) => e.type === 'daemon.housekeeping' && e.service === 'chatty'), { timeoutMs: 15_000, intervalMs: 100, message: 'a warning that the log was deleted' });
    expect(warned.severity).toBe('warning');
    expect(warned.message).toContain(`chatty.log was deleted while chatty (pid ${pid}) wrote to it`);
    // New lines reach the path again, and the unlinked file the service still holds is emptied at each check.
    const lastLine = (): number => Number(/line (\d+) y+\n$/.exec(readFileSync(file, 'utf8'))?.[1] ?? -1);
    const seen = await waitFor(() => (existsSync(file) && lastLine() >= 0 ? lastLine() : undefined), { timeoutMs: 10_000, message: 'output at the log path' });
    await waitFor(() => existsSync(file) && lastLine() > seen + 40, { timeoutMs: 10_000, message: 'more output at the log path' });
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      expect(statSync(`/proc/${pid}/fd/1`).size).toBeLessThan(64 * 1024);
    }
    expect(t.daemon.runtimes.get('chatty')!.status()).toMatchObject({ state: 'running', pid });
    expect(t.events.filter((e) => e.type === 'daemon.housekeeping' && e.service === 'chatty')).toHaveLength(1);
  }, 60_000);
});
