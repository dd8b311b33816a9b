// A slow-starting service under a real daemon: with a start-up window (startup.timeout) a service that binds its port
// long after its probe's startupGrace is left to come up (it was restarted while still starting: the failures counted
// in the grace reached the threshold at the first check after it); one that never comes up is restarted when the window
// runs out, said as "starting: waiting for first healthy check, N s of M s".
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { FIXTURES, NODE, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { freePort } from '../helpers/ports.js';
import { waitFor } from '../helpers/processes.js';
import { renderStatus } from '../../src/cli/cmd-status.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

type Status = Parameters<typeof renderStatus>[0];

function slowService(port: number, env: Record<string, string>, startup: string) {
  return {
    name: 'slow',
    command: [NODE, path.join(FIXTURES, 'instance-server.mjs'), String(port)],
    env,
    startup: { timeout: startup },
    probes: [{ kind: 'http', name: 'liveness', url: `http://127.0.0.1:${port}/`, interval: '500ms', timeout: '400ms', failureThreshold: 2, startupGrace: '1s' }],
  };
}

describe('a start-up window', () => {
  it('leaves a service that binds its port long after the grace to come up: no restart, the wait shown in status', async () => {
    const port = await freePort();
    td = await startTestDaemon({ services: [slowService(port, { LISTEN_DELAY_MS: '6000' }, '60s')] });
    const rt = td.daemon.runtimes.get('slow')!;
    await waitFor(() => rt.status().pid !== null, { timeoutMs: 10_000, message: 'slow started' });
    const pid = rt.status().pid;
    const shown = rt.status().startup?.message ?? '';
    expect(shown).toMatch(/^starting: waiting for first healthy check, \d+ s of 60 s$/);
    expect(renderStatus(td.daemon.status() as unknown as Status, false)).toContain(`slow: ${shown}`);
    await waitFor(() => rt.status().health === 'healthy', { timeoutMs: 30_000, message: 'slow healthy' });
    expect(rt.status()).toMatchObject({ pid, restarts: 0 });
    expect(rt.status().startup).toBeUndefined();
    expect(td.events.filter((e) => e.type === 'service.unhealthy' || e.type === 'service.restarting')).toEqual([]);
    expect(td.events.find((e) => e.type === 'service.started')?.message).toContain('starting: waiting for first healthy check, 0 s of 60 s');
    expect(td.events.find((e) => e.type === 'service.healthy')?.message).toMatch(/first healthy check \d+ s after the start, within its start-up window of 60 s/);
  }, 60_000);

  it('restarts a service that never comes up only when the window runs out, and says so', async () => {
    const port = await freePort();
    const dir = tempDir();
    const flag = path.join(dir, 'no-listen');
    writeFileSync(flag, '');
    td = await startTestDaemon({ services: [slowService(port, { NO_LISTEN_FLAG: flag }, '4s')] });
    await waitFor(() => td!.events.some((e) => e.type === 'service.exited'), { timeoutMs: 30_000, message: 'the first instance stopped' });
    const unhealthy = td.events.find((e) => e.type === 'service.unhealthy');
    expect(unhealthy?.message).toContain('startup: no healthy check within its start-up window (starting: waiting for first healthy check, 4 s of 4 s)');
    // Not judged while its window was open: the first instance ran the whole window (its grace was 1 s).
    const exited = td.events.find((e) => e.type === 'service.exited');
    expect((exited?.details as { uptimeMs: number }).uptimeMs).toBeGreaterThanOrEqual(3_900);
  }, 60_000);
});

describe('a start-up window and the backoff', () => {
  it('does not count a start that never came up as a stable run: the backoff keeps growing across failed starts', async () => {
    // It ran its whole 2 s window each time, past stableAfter (1 s): the backoff was reset and every failed start
    // was restarted at once, attempt 0, for ever (the OpenClaw preset: 300 s windows, stableAfter 2m).
    const port = await freePort();
    const dir = tempDir();
    const flag = path.join(dir, 'no-listen');
    writeFileSync(flag, '');
    const svc = { ...slowService(port, { NO_LISTEN_FLAG: flag }, '2s'), restart: { stableAfter: '1s', backoff: { initial: '200ms', max: '5s', jitter: 0 }, intensity: { maxRestarts: 100, window: '10m' } } };
    td = await startTestDaemon({ services: [svc] });
    const restarts = () => td!.events.filter((e) => e.type === 'service.restarting');
    await waitFor(() => restarts().length >= 3, { timeoutMs: 40_000, message: 'three failed starts restarted' });
    const attempts = restarts().slice(0, 3).map((e) => (e.details as { attempt?: number }).attempt);
    expect(attempts).toEqual([0, 1, 2]);
  }, 60_000);
});

describe('a start-up window and the crash-loop breaker', () => {
  it('trips the breaker when more starts in a row than maxRestarts never come up, however long each window is', async () => {
    // Each failed start takes its whole window (2 s), longer than the intensity window (1.5 s): the window never held
    // two restarts and the service was restarted for ever (the OpenClaw preset: 300 s windows, 5 restarts in 10m).
    const port = await freePort();
    const dir = tempDir();
    const flag = path.join(dir, 'no-listen');
    writeFileSync(flag, '');
    const svc = { ...slowService(port, { NO_LISTEN_FLAG: flag }, '2s'), restart: { backoff: { initial: '100ms', max: '200ms', jitter: 0 }, intensity: { maxRestarts: 2, window: '1500ms' } } };
    td = await startTestDaemon({ services: [svc] });
    const restarts = () => td!.events.filter((e) => e.type === 'service.restarting').length;
    await waitFor(() => td!.events.some((e) => e.type === 'breaker.tripped') || restarts() >= 6, { timeoutMs: 40_000, message: 'the breaker tripped or six restarts' });
    const tripped = td.events.find((e) => e.type === 'breaker.tripped');
    expect(tripped?.message).toContain('3 starts in a row never came up within their start-up window of 2.0s (limit 2 restarts)');
    expect(restarts()).toBe(2);
  }, 60_000);
});
