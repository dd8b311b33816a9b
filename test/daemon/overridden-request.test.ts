// Two clients at once: `clawback stop web` while another client's `clawback start web` follows. The service ended
// running (the later order) and the stop's caller was told only "stop web: running (pid N)", exit 1, with no cause.
// Real daemon, a real service slow to stop: the stop's caller is told the later start overrode it.
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { NODE, markServices, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { isAlive, waitFor } from '../helpers/processes.js';
import { slowStopService } from '../helpers/slow-stop.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

describe('a request another client overrides while it is under way', () => {
  it('a stop followed by a start: the stop is answered with the start that overrode it', async () => {
    const web = slowStopService(1500);
    td = await startTestDaemon({ services: [{ name: 'web', command: web.command, env: web.env, stop: { grace: '10s' } }] });
    const rt = td.daemon.runtimes.get('web')!;
    await waitFor(() => rt.status().state === 'running' && web.handling(rt.status().pid), { timeoutMs: 20_000, message: 'web running, its SIGTERM handler in place' });
    const stop = td.daemon.action('web', 'stop');
    await waitFor(() => rt.status().state === 'stopping', { timeoutMs: 10_000, message: 'the stop under way' });
    const start = td.daemon.action('web', 'start');
    const [a, b] = await Promise.all([stop, start]);
    expect(rt.status().state).toBe('running');
    expect(b.ok).toBe(true);
    expect(a.ok).toBe(false);
    expect(a.status).toBe(409);
    expect(a.message).toMatch(/^stop web: running \(pid \d+\): a later `start` request overrode it$/);
    // A stop nobody overrides is answered as before.
    const alone = await td.daemon.action('web', 'stop');
    expect(alone).toMatchObject({ ok: true, message: 'stop web: stopped' });
  }, 60_000);

  // `clawback restart web` while `clawback reload` removes web: the restart's caller read "restart web: stopped", exit 1.
  it('a restart while a reload removes the service: the restart is answered with the reload', async () => {
    // A stop of 8 s once its SIGTERM handler is in place (it says so with a file): the window the reload lands in.
    const ready = path.join(tempDir(), 'ready');
    const slower = `process.on('SIGTERM', () => setTimeout(() => process.exit(0), 8000)); require('fs').writeFileSync(${JSON.stringify(ready)}, ''); setInterval(() => {}, 3600000);`;
    const slow = { name: 'web', command: [NODE, '-e', slower], stop: { grace: '20s' } };
    const other = { name: 'other', command: [NODE, '-e', 'setInterval(() => {}, 3600000)'] };
    td = await startTestDaemon({ services: [slow, other] });
    const rt = td.daemon.runtimes.get('web')!;
    await waitFor(() => rt.status().state === 'running', { timeoutMs: 20_000, message: 'web running' });
    await waitFor(() => existsSync(ready), { timeoutMs: 20_000, message: 'web handling SIGTERM' });
    const pid = rt.status().pid!;
    const restart = td.daemon.action('web', 'restart');
    await waitFor(() => rt.status().state === 'stopping', { timeoutMs: 10_000, message: 'the restart stopping web' });
    writeFileSync(td.configFile, YAML.stringify(markServices({ services: [other] })));
    const reload = td.daemon.command('/api/reload', new URLSearchParams({ by: 'test' }));
    const [a, b] = await Promise.all([restart, reload]);
    expect(b?.status).toBe(200);
    expect(td.daemon.runtimes.has('web')).toBe(false);
    await waitFor(() => !isAlive(pid), { timeoutMs: 15_000, message: 'the removed service gone' });
    expect(a.ok).toBe(false);
    expect(a.message).toMatch(/^restart web: stopped: a later config reload that removed or replaced it \(see `clawback status`\) overrode it$/);
  }, 60_000);
});
