// A person's request that reaches a service while a `clawback reload` hands it (retuned: same process, new settings) to a
// new runtime: `clawback stop web`, a reload while the stop ran (8 s here), then `clawback start web` ended with web running
// (a new pid) but its caller read exit 1 "start web: stopped"; a second `restart` joining one under way read exit 1
// "restart web: stopped; joined the restart ..." and the first "a later `restart` request overrode it", both with web
// running. A request that reached the old runtime once it took no facts any more was dropped (a stop left web running).
// Real daemon, a real service slow to stop: the new runtime carries each request on and answers it.
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { NODE, markServices, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

async function slowWeb(): Promise<{ web: Record<string, unknown>; td: TestDaemon }> {
  const ready = path.join(tempDir(), 'ready');
  const slower = `process.on('SIGTERM', () => setTimeout(() => process.exit(0), 8000)); require('fs').writeFileSync(${JSON.stringify(ready)}, ''); setInterval(() => {}, 3600000);`;
  const web = { name: 'web', command: [NODE, '-e', slower], stop: { grace: '20s' } };
  const d = await startTestDaemon({ services: [web] });
  await waitFor(() => d.daemon.runtimes.get('web')?.status().state === 'running' && existsSync(ready), { timeoutMs: 20_000, message: 'web running and handling SIGTERM' });
  return { web, td: d };
}

/** Starts a reload that only retunes web (its stop grace) and waits until the old runtime is being disposed. */
async function reloadRetuning(d: TestDaemon, web: Record<string, unknown>, grace: string) {
  const old = d.daemon.runtimes.get('web')!;
  writeFileSync(d.configFile, YAML.stringify(markServices({ services: [{ ...web, stop: { grace } }] })));
  const reload = d.daemon.command('/api/reload', new URLSearchParams({ by: 'test' }));
  await waitFor(() => old.persisted().disposed === true, { timeoutMs: 10_000, message: 'the reload disposing the old runtime' });
  // Still the old runtime, its stop under way: the request below reaches it inside the handover.
  expect(d.daemon.runtimes.get('web')).toBe(old);
  expect(old.status().state).toBe('stopping');
  // In an object: an async function returning the promise itself would wait for the whole reload.
  return { reload };
}

describe('a request that reaches a service while a reload hands it to a new runtime', () => {
  it('a start after a stop is carried on and answered by the new runtime', async () => {
    const { web, td: d } = await slowWeb();
    td = d;
    const stop = td.daemon.action('web', 'stop');
    await waitFor(() => td!.daemon.runtimes.get('web')!.status().state === 'stopping', { timeoutMs: 10_000, message: 'web stopping' });
    const { reload } = await reloadRetuning(td, web, '19s');
    const start = await td.daemon.action('web', 'start');
    expect((await stop).ok).toBe(true);
    expect((await reload)?.status).toBe(200);
    const next = td.daemon.runtimes.get('web')!;
    await waitFor(() => next.status().state === 'running', { timeoutMs: 20_000, message: 'web running again' });
    expect(start).toMatchObject({ ok: true, status: 200, message: `start web: running (pid ${next.status().pid}); a config reload applied its new settings on the way` });
  }, 60_000);

  it('a second restart joining the one under way: both callers are told it runs', async () => {
    const { web, td: d } = await slowWeb();
    td = d;
    const first = td.daemon.action('web', 'restart');
    await waitFor(() => td!.daemon.runtimes.get('web')!.status().state === 'stopping', { timeoutMs: 10_000, message: 'web stopping' });
    const { reload } = await reloadRetuning(td, web, '19s');
    const second = await td.daemon.action('web', 'restart');
    expect((await reload)?.status).toBe(200);
    const next = td.daemon.runtimes.get('web')!;
    await waitFor(() => next.status().state === 'running', { timeoutMs: 20_000, message: 'web running again' });
    const pid = next.status().pid;
    expect(await first).toMatchObject({ ok: true, message: `restart web: running (pid ${pid}); a config reload applied its new settings on the way` });
    expect(second).toMatchObject({ ok: true, message: `restart web: running (pid ${pid}); joined the restart already under way (no second restart); a config reload applied its new settings on the way` });
  }, 60_000);

  it('a restart overridden by a stop after the handover still names the stop', async () => {
    const { web, td: d } = await slowWeb();
    td = d;
    const restart = td.daemon.action('web', 'restart');
    await waitFor(() => td!.daemon.runtimes.get('web')!.status().state === 'stopping', { timeoutMs: 10_000, message: 'web stopping' });
    const { reload } = await reloadRetuning(td, web, '19s');
    const stop = await td.daemon.action('web', 'stop');
    expect((await reload)?.status).toBe(200);
    expect(stop).toMatchObject({ ok: true, message: 'stop web: stopped' });
    expect(await restart).toMatchObject({ ok: false, message: 'restart web: stopped: a later `stop` request overrode it' });
    const next = td.daemon.runtimes.get('web')!;
    expect(next.status()).toMatchObject({ state: 'stopped', pid: null });
  }, 60_000);

  it('a request reaching the old runtime once it takes no facts goes to the new one', async () => {
    const { web, td: d } = await slowWeb();
    td = d;
    const old = td.daemon.runtimes.get('web')!;
    const pid = old.status().pid;
    writeFileSync(td.configFile, YAML.stringify(markServices({ services: [{ ...web, stop: { grace: '19s' } }] })));
    expect((await td.daemon.command('/api/reload', new URLSearchParams({ by: 'test' })))?.status).toBe(200);
    const next = td.daemon.runtimes.get('web')!;
    expect(next).not.toBe(old);
    // A caller that took the runtime just before the handover (the old one's dispose window).
    const stop = await old.request('stop', 'human');
    expect(stop).toMatchObject({ ok: true, message: 'stop web: stopped' });
    expect(next.status()).toMatchObject({ state: 'stopped', pid: null });
    expect(next.persisted().desired).toBe('down');
    expect(pid).not.toBeNull();
  }, 60_000);
});
