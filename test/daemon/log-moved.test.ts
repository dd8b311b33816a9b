// A service's log moved away while it runs (mv, logrotate's rename without copytruncate): the service still writes to the
// moved file, so `clawback logs` showed the old lines as if it had gone quiet and logs.maxBytes no longer bounded it,
// and nothing said so. It is said once per instance, naming where the output goes; the moved file is left as it is.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanup.length) await Promise.resolve(cleanup.pop()!()).catch(() => undefined);
});

const CHATTY = "let i=0; setInterval(()=>{ console.log('line '+(i++)); }, 50)";

describe.skipIf(process.platform !== 'linux')('a service log moved away under the running service', () => {
  it('is said once, naming the moved file, which keeps the output and is left alone; the service is left running', async () => {
    const t: TestDaemon = await startTestDaemon({ services: [{ name: 'chatty', command: [NODE, '-e', CHATTY], logs: { maxBytes: 1024 * 1024, keep: 2 } }] });
    cleanup.push(() => rmSync(t.dir, { recursive: true, force: true }));
    cleanup.push(() => t.stop());
    const file = path.join(t.stateDir, 'logs', 'chatty.log');
    const moved = path.join(t.dir, 'chatty.log-20261206');
    const pid = await waitFor(() => t.daemon.runtimes.get('chatty')!.status().pid, { message: 'chatty running' });
    await waitFor(() => existsSync(file) && statSync(file).size > 0, { message: 'chatty writing its log' });
    renameSync(file, moved);
    const warned = await waitFor(() => t.events.find((e) => e.type === 'daemon.housekeeping' && e.service === 'chatty'), { timeoutMs: 15_000, intervalMs: 100, message: 'a warning that the log was moved' });
    expect(warned.severity).toBe('warning');
    expect(warned.message).toContain(`chatty.log was moved or replaced while chatty (pid ${pid}) wrote to it: its output still goes to ${moved}`);
    expect(warned.details).toMatchObject({ writesTo: moved });
    // Several more rotation checks: said once, the moved file still the service's and growing, the service untouched.
    const size = statSync(moved).size;
    await waitFor(() => statSync(moved).size > size + 200, { timeoutMs: 15_000, message: 'the moved file still written' });
    await new Promise((r) => setTimeout(r, 4500));
    expect(readFileSync(moved, 'utf8').startsWith('line 0\n')).toBe(true);
    expect(t.daemon.runtimes.get('chatty')!.status()).toMatchObject({ state: 'running', pid });
    expect(t.events.filter((e) => e.type === 'daemon.housekeeping' && e.service === 'chatty')).toHaveLength(1);
  }, 60_000);
});
