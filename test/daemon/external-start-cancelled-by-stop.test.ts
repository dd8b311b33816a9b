// A person's stop of an external service while its manager's start command ran (a unit slow to activate) did not cut
// the start short: the stop waited for the command, the service was journaled "started", then stopped. The stop ends
// the start command's process group and says "start cancelled by a person"; what the manager had brought up all the
// same is stopped by the reducer, never reported as started.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURES, NODE, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { isAlive, killTree, pidRef, waitFor, type PidRef } from '../helpers/processes.js';

let td: TestDaemon | undefined;
const pids: PidRef[] = [];
afterEach(async () => {
  await td?.stop();
  td = undefined;
  for (const ref of pids.splice(0)) killTree(ref);
});

const readPid = (file: string): number | undefined => {
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return pid > 0 ? pid : undefined;
};

async function scenario(mode: 'before' | 'after' | 'detached'): Promise<{ t: TestDaemon; t0: number; answer: string; manager: number; pidFile: string }> {
  const dir = tempDir();
  const pidFile = path.join(dir, 'svc.pid');
  const gate = path.join(dir, 'gate');
  writeFileSync(gate, ''); // the boot's start passes at once
  const start = [NODE, path.join(FIXTURES, 'gated-manager.mjs'), mode, pidFile, gate, NODE, path.join(FIXTURES, 'sleeper.mjs')];
  td = await startTestDaemon(
    { services: [{ name: 'ext', external: { pidFile, startCommand: start, restartCommand: start, timeout: '20s' }, stop: { grace: '3s' } }] },
    { dir },
  );
  const t = td;
  const rt = t.daemon.runtimes.get('ext')!;
  const first = await waitFor(() => rt.status().pid ?? undefined, { timeoutMs: 20_000, message: 'the boot started it' });
  pids.push(pidRef(first));
  expect((await rt.stop('human')).ok).toBe(true);
  await waitFor(() => (!isAlive(first) ? true : undefined), { timeoutMs: 10_000, message: 'the first instance stopped' });
  rmSync(gate);
  rmSync(`${pidFile}.manager`, { force: true });
  rmSync(pidFile, { force: true });
  void rt.start('human');
  // The manager's start command runs (and, `before`, has brought the service up) and waits for its gate.
  const manager = await waitFor(() => readPid(`${pidFile}.manager`), { timeoutMs: 10_000, message: 'the start command running' });
  pids.push(pidRef(manager));
  if (mode === 'before') {
    const svc = await waitFor(() => readPid(pidFile), { timeoutMs: 10_000, message: 'the manager started the service' });
    pids.push(pidRef(svc));
  }
  const t0 = Date.now();
  const stopping = rt.stop('human');
  // `detached`: the start command is done, its manager's job brings the service up while the stop is under way.
  if (mode === 'detached') writeFileSync(gate, '');
  const answer = await stopping;
  expect(answer.ok, answer.message).toBe(true);
  return { t, t0, answer: answer.message, manager, pidFile };
}

describe("a person's stop of an external service whose start command runs", () => {
  it('ends the start command and starts nothing', async () => {
    const { t, t0, manager, pidFile } = await scenario('after');
    await waitFor(() => (!isAlive(manager) ? true : undefined), { timeoutMs: 5_000, message: `the start command ${manager} ended` });
    expect(t.events.filter((e) => e.type === 'service.started' && e.time >= t0)).toHaveLength(0);
    expect(t.events.some((e) => e.type === 'service.stopped' && /start cancelled by a person \(stop\)/.test(e.message) && e.time >= t0)).toBe(true);
    expect(t.events.some((e) => e.type === 'service.exited' && /could not be started/.test(e.message) && e.time >= t0)).toBe(false);
    expect(t.daemon.runtimes.get('ext')!.status().state).toBe('stopped');
    expect(readPid(pidFile)).toBeUndefined();
  }, 90_000);

  it('stops what the manager had started already, said as a cancelled start, not as started', async () => {
    const { t, t0, manager, pidFile } = await scenario('before');
    const svc = readPid(pidFile)!;
    await waitFor(() => (!isAlive(manager) ? true : undefined), { timeoutMs: 5_000, message: `the start command ${manager} ended` });
    await waitFor(() => (!isAlive(svc) ? true : undefined), { timeoutMs: 10_000, message: `the service ${svc} the manager started stopped` });
    expect(t.events.filter((e) => e.type === 'service.started' && e.time >= t0)).toHaveLength(0);
    expect(t.events.some((e) => e.type === 'service.stopped' && new RegExp(`start cancelled by a person \\(stop\\); its manager had started it already \\(pid ${svc}\\)`).test(e.message))).toBe(true);
    expect(t.daemon.runtimes.get('ext')!.status().state).toBe('stopped');
    // One stop, journaled (and alerted) once: not "start cancelled ... stopping it" and then "ext stopped" again.
    await waitFor(() => (t.daemon.runtimes.get('ext')!.status().state === 'stopped' ? true : undefined), { timeoutMs: 10_000, message: 'stopped' });
    expect(t.events.filter((e) => e.type === 'service.stopped' && e.time >= t0).map((e) => e.message)).toHaveLength(1);
  }, 90_000);

  it('stops what the manager brings up after its start command returned, not left running unwatched', async () => {
    const { t, t0, pidFile } = await scenario('detached');
    const svc = await waitFor(() => readPid(pidFile), { timeoutMs: 10_000, message: 'the manager started the service' });
    pids.push(pidRef(svc));
    await waitFor(() => (!isAlive(svc) ? true : undefined), { timeoutMs: 10_000, message: `the service ${svc} the manager started stopped` });
    expect(t.events.filter((e) => e.type === 'service.started' && e.time >= t0)).toHaveLength(0);
    expect(t.events.some((e) => e.type === 'service.stopped' && /start cancelled by a person \(stop\); its manager had started it already/.test(e.message))).toBe(true);
    expect(t.daemon.runtimes.get('ext')!.status().state).toBe('stopped');
    expect(t.events.filter((e) => e.type === 'service.stopped' && e.time >= t0)).toHaveLength(1);
  }, 90_000);
});
