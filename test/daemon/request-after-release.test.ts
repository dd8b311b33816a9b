// A request that reaches a service's runtime once it takes no facts (the daemon leaving its services running for the
// next daemon, SIGUSR2; a reload that removed it) was dropped, and its caller read the stale picture as done:
// `restart web` answered ok "restart web: running (pid null)" though nothing restarted. Real daemons, a real service:
// the caller is told it was not carried out, and why; the next daemon adopts the untouched instance.
import { afterEach, describe, expect, it } from 'vitest';
import { NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

describe('a request reaching a runtime that takes no facts any more', () => {
  it('is refused, naming why, and changes nothing', async () => {
    const web = { name: 'web', command: [NODE, '-e', 'setInterval(() => {}, 3600000)'] };
    const first = await startTestDaemon({ services: [web] });
    td = first;
    const rt = first.daemon.runtimes.get('web')!;
    await waitFor(() => rt.status().state === 'running', { timeoutMs: 20_000, message: 'web running' });
    const pid = rt.status().pid;
    await first.daemon.stop({ stopServices: false });
    td = undefined;
    const r = await rt.request('restart', 'human');
    expect(r.ok).toBe(false);
    expect(r.message).toBe('restart web: not carried out: a daemon shutdown ended its supervision here');
    // The next daemon adopts the instance the first one left running: nothing restarted it.
    td = await startTestDaemon({ services: [web] }, { dir: first.dir });
    await waitFor(() => td!.daemon.runtimes.get('web')?.status().state === 'running', { timeoutMs: 20_000, message: 'web adopted' });
    expect(td.daemon.runtimes.get('web')!.status()).toMatchObject({ pid, adopted: true });
  }, 60_000);
});
