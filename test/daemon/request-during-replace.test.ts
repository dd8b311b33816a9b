// A person's request that reaches a service while a `clawback reload` REPLACES it (its command changed): web running, a
// reload that replaced it (its old instance 6 s to stop), `clawback stop web` during that stop answered exit 0 "stop web:
// stopped" and web ran again under a new pid at once; `clawback stop web`, the reload, then `clawback start web` answered
// exit 1 "start web: stopped" and web stayed stopped. The carry-over of what a person wants was read before the old
// runtime stopped. Real daemon, a real service slow to stop: the last accepted order stands, and its caller is told so.
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

function slowWeb(tag: string, ready: string): Record<string, unknown> {
  const slower = `process.on('SIGTERM', () => setTimeout(() => process.exit(0), 6000)); require('fs').writeFileSync(${JSON.stringify(ready)}, ''); setInterval(() => {}, 3600000); // ${tag}`;
  return { name: 'web', command: [NODE, '-e', slower], stop: { grace: '20s' } };
}

async function start(): Promise<{ td: TestDaemon; ready: string }> {
  const ready = path.join(tempDir(), 'ready');
  const d = await startTestDaemon({ services: [slowWeb('v1', ready)] });
  await waitFor(() => d.daemon.runtimes.get('web')?.status().state === 'running' && existsSync(ready), { timeoutMs: 20_000, message: 'web running and handling SIGTERM' });
  return { td: d, ready };
}

/** Starts a reload that replaces web (a new command) and waits until its old runtime is being disposed, its stop under way. */
async function reloadReplacing(d: TestDaemon, ready: string) {
  const old = d.daemon.runtimes.get('web')!;
  writeFileSync(d.configFile, YAML.stringify(markServices({ services: [slowWeb('v2', ready)] })));
  const reload = d.daemon.command('/api/reload', new URLSearchParams({ by: 'test' }));
  await waitFor(() => old.persisted().disposed === true, { timeoutMs: 10_000, message: 'the reload disposing the old runtime' });
  return { reload, old };
}

describe('a request that reaches a service while a reload replaces it', () => {
  it('a stop during the replacement keeps it stopped', async () => {
    const s = await start();
    td = s.td;
    const { reload, old } = await reloadReplacing(td, s.ready);
    expect(old.status().state).toBe('stopping');
    const stop = await td.daemon.action('web', 'stop');
    expect((await reload)?.status).toBe(200);
    const next = td.daemon.runtimes.get('web')!;
    expect(next).not.toBe(old);
    expect(stop).toMatchObject({ ok: true, message: 'stop web: stopped' });
    await waitFor(() => next.status().state !== 'starting', { timeoutMs: 10_000, message: 'web settled' });
    expect(next.status()).toMatchObject({ state: 'stopped', pid: null });
    expect(next.persisted().desired).toBe('down');
  }, 60_000);

  it('a start after a person stop, sent during the replacement, runs it and is answered by the new runtime', async () => {
    const s = await start();
    td = s.td;
    const stop = td.daemon.action('web', 'stop');
    await waitFor(() => td!.daemon.runtimes.get('web')!.status().state === 'stopping', { timeoutMs: 10_000, message: 'web stopping' });
    const { reload } = await reloadReplacing(td, s.ready);
    const started = await td.daemon.action('web', 'start');
    expect((await stop).ok).toBe(true);
    expect((await reload)?.status).toBe(200);
    const next = td.daemon.runtimes.get('web')!;
    await waitFor(() => next.status().state === 'running', { timeoutMs: 20_000, message: 'web running again' });
    expect(next.persisted().desired).toBe('up');
    expect(started).toMatchObject({ ok: true, status: 200, message: `start web: running (pid ${next.status().pid}); a config reload applied its new settings on the way` });
  }, 60_000);
});
