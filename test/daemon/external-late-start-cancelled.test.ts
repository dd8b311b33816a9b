// An external service whose manager brings it up late (a queued start job, here > 20 s after a person's cancel) with an
// `external.timeout` longer than the request bound: the daemon answered `stop` "stopped" after stop grace + 15 s while
// it still waited for the pid (the service then came up), and `restart` "joined the start already under way" of a start
// it had cancelled and redone. A start command killed part-way by the stop looked for the pid once: the service its
// manager's queued job brought up later ran unwatched while status said "stopped". The bounds now count
// external.timeout, and the wait for the pid after a cancel lasts it too.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURES, NODE, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { isAlive, killTree, pidRef, waitFor, type PidRef } from '../helpers/processes.js';
import { actionWaitMs } from '../../src/cli/action-wait.js';
import { REQUEST_TIMEOUT_MS } from '../../src/cli/client.js';

let td: TestDaemon | undefined;
const pids: PidRef[] = [];
const pidFiles: string[] = [];
afterEach(async () => {
  await td?.stop();
  td = undefined;
  // An external service outlives the daemon: whatever its manager runs now (the restart's new instance) is ended here.
  for (const f of pidFiles.splice(0)) {
    const pid = readPid(f);
    if (pid) pids.push(pidRef(pid));
  }
  for (const ref of pids.splice(0)) killTree(ref);
});

const LATE_MS = 22_000;
const readPid = (file: string): number | undefined => {
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return pid > 0 ? pid : undefined;
};

async function scenario(mode: 'return' | 'block', action: 'stop' | 'restart') {
  const dir = tempDir();
  const pidFile = path.join(dir, 'svc.pid');
  pidFiles.push(pidFile);
  const gate = path.join(dir, 'gate');
  writeFileSync(gate, ''); // the boot's start passes at once
  const start = [NODE, path.join(FIXTURES, 'queued-manager.mjs'), mode, pidFile, gate, NODE, path.join(FIXTURES, 'sleeper.mjs')];
  td = await startTestDaemon(
    { services: [{ name: 'ext', external: { pidFile, startCommand: start, restartCommand: start, timeout: '60s' }, stop: { grace: '3s' } }] },
    { dir },
  );
  const t = td;
  const rt = t.daemon.runtimes.get('ext')!;
  const first = await waitFor(() => rt.status().pid ?? undefined, { timeoutMs: 20_000, message: 'the boot started it' });
  pids.push(pidRef(first));
  expect((await rt.stop('human')).ok).toBe(true);
  await waitFor(() => (!isAlive(first) ? true : undefined), { timeoutMs: 10_000, message: 'the first instance stopped' });
  rmSync(gate);
  for (const f of [pidFile, `${pidFile}.job`, `${pidFile}.manager`]) rmSync(f, { force: true });
  void rt.start('human');
  // The manager has queued the job; `block`: its start command still waits for the service.
  const job = await waitFor(() => readPid(`${pidFile}.job`), { timeoutMs: 10_000, message: 'the start job queued' });
  pids.push(pidRef(job));
  if (mode === 'block') pids.push(pidRef(await waitFor(() => readPid(`${pidFile}.manager`), { timeoutMs: 10_000, message: 'the start command waiting' })));
  const t0 = Date.now();
  let answeredAt: number | undefined;
  const answering = (action === 'stop' ? rt.stop('human') : rt.restart('human')).then((a) => {
    answeredAt = Date.now();
    return a;
  });
  await new Promise((r) => setTimeout(r, LATE_MS));
  const gateAt = Date.now();
  writeFileSync(gate, ''); // the job brings the service up, late
  const svc = await waitFor(() => readPid(pidFile), { timeoutMs: 15_000, message: 'the job started the service' });
  pids.push(pidRef(svc));
  const answer = await answering;
  return { t, rt, t0, answer, answeredAt: answeredAt!, gateAt, svc, pidFile };
}

describe('an external service its manager brings up late, after a person cancelled its start', () => {
  it("a stop during the wait for the pid is answered once what came up is stopped, not 'stopped' before it came up", async () => {
    const { t, rt, t0, answer, answeredAt, gateAt, svc } = await scenario('return', 'stop');
    expect(answer.ok, answer.message).toBe(true);
    expect(answeredAt, `answered "${answer.message}" ${answeredAt - t0} ms after the stop, before the service came up`).toBeGreaterThanOrEqual(gateAt);
    expect(isAlive(svc), answer.message).toBe(false);
    expect(rt.status().state).toBe('stopped');
    expect(t.events.filter((e) => e.type === 'service.started' && e.time >= t0)).toHaveLength(0);
    expect(t.events.some((e) => e.type === 'service.stopped' && /start cancelled by a person \(stop\); its manager had started it already/.test(e.message))).toBe(true);
  }, 120_000);

  it('a stop that killed the start command stops what its queued job brings up later', async () => {
    const { t, rt, t0, answer, svc } = await scenario('block', 'stop');
    expect(answer.ok, answer.message).toBe(true);
    await waitFor(() => (!isAlive(svc) ? true : undefined), { timeoutMs: 15_000, message: `the service ${svc} its manager's queued job started was stopped` });
    expect(rt.status().state).toBe('stopped');
    expect(t.events.filter((e) => e.type === 'service.started' && e.time >= t0)).toHaveLength(0);
  }, 120_000);

  it("a restart says the start was cancelled and redone, not 'joined the start already under way'", async () => {
    const { rt, answer, svc } = await scenario('return', 'restart');
    expect(answer.message).toMatch(/the start under way was cancelled/);
    expect(answer.message).not.toMatch(/joined/);
    await waitFor(() => (!isAlive(svc) ? true : undefined), { timeoutMs: 15_000, message: `the cancelled start's service ${svc} stopped` });
    const next = await waitFor(() => rt.status().pid ?? undefined, { timeoutMs: 30_000, message: 'started again' });
    pids.push(pidRef(next));
    expect(next).not.toBe(svc);
  }, 120_000);
});

describe("the CLI's wait for an external service's answer", () => {
  it('counts external.timeout, as the daemon does', () => {
    const ext = { name: 'ext', external: { timeout: 60_000 }, stop: { grace: 3_000 } };
    const config = { services: [ext] } as unknown as Parameters<typeof actionWaitMs>[0];
    expect(actionWaitMs(config, 'ext')).toBe(60_000 + 3_000 + 15_000 + REQUEST_TIMEOUT_MS);
  });
});
