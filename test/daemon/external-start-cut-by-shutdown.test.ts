// A daemon shutdown (or a reload replacing the service) during an external service's start command did not cut it:
// the shutdown waited for the command (up to external.timeout, then the pid wait), and what the manager brought up
// meanwhile was then stopped ("nobody would supervise it"), though the daemon leaves an external service running when
// it stops. Now the shutdown ends the start command's process group at once, and leaves what runs to its manager.
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

describe('a daemon shutdown while an external start command runs', () => {
  it('ends the start command at once and leaves the service its manager brought up running', async () => {
    const dir = tempDir();
    const pidFile = path.join(dir, 'svc.pid');
    const gate = path.join(dir, 'gate');
    writeFileSync(gate, ''); // the boot's start passes at once
    const start = [NODE, path.join(FIXTURES, 'gated-manager.mjs'), 'before', pidFile, gate, NODE, path.join(FIXTURES, 'sleeper.mjs')];
    td = await startTestDaemon({ services: [{ name: 'ext', external: { pidFile, startCommand: start, restartCommand: start, timeout: '60s' }, stop: { grace: '1s' } }] }, { dir });
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
    // The manager has brought the service up, and its start command waits (up to 8 s) for the gate.
    const manager = await waitFor(() => readPid(`${pidFile}.manager`), { timeoutMs: 10_000, message: 'the start command running' });
    pids.push(pidRef(manager));
    const svc = await waitFor(() => readPid(pidFile), { timeoutMs: 10_000, message: 'the manager started the service' });
    pids.push(pidRef(svc));
    const stopping = t.daemon.stop({ stopServices: true });
    // The start command is ended by the shutdown, well before its own 8 s wait for the gate is over.
    await waitFor(() => (!isAlive(manager) ? true : undefined), { timeoutMs: 4_000, message: `the start command ${manager} ended by the shutdown` });
    await stopping;
    td = undefined;
    // An external service is left running when the daemon stops, started by its manager or not.
    expect(isAlive(svc)).toBe(true);
    expect(t.events.filter((e) => e.type === 'service.stopped' && /ext stopped/.test(e.message) && e.time > 0).length).toBeLessThanOrEqual(1);
  }, 90_000);
});
