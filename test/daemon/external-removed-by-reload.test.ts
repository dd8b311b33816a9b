// A `clawback reload` that removes an external service: the README said a reload "stops removed ones", but an external
// service is the other manager's (as when the daemon stops): Clawback stops watching it and leaves it running, whether
// it ran or its manager's start command was still under way (that command is ended; what it brought up keeps running).
// The docs now say so; this holds the behaviour.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURES, NODE, markServices, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
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
const other = { name: 'other', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] };

async function removeExt(gateOpen: boolean) {
  const dir = tempDir();
  const pidFile = path.join(dir, 'svc.pid');
  const gate = path.join(dir, 'gate');
  if (gateOpen) writeFileSync(gate, '');
  const start = [NODE, path.join(FIXTURES, 'gated-manager.mjs'), 'before', pidFile, gate, NODE, path.join(FIXTURES, 'sleeper.mjs')];
  td = await startTestDaemon({ services: [other, { name: 'ext', external: { pidFile, startCommand: start, restartCommand: start, timeout: '30s' }, stop: { grace: '1s' } }] }, { dir });
  const svc = await waitFor(() => readPid(pidFile), { timeoutMs: 20_000, message: 'its manager started it' });
  pids.push(pidRef(svc));
  if (gateOpen) await waitFor(() => td!.daemon.runtimes.get('ext')!.status().pid ?? undefined, { timeoutMs: 20_000, message: 'attached' });
  writeFileSync(td.configFile, YAML.stringify(markServices({ services: [other] })));
  const r = await td.daemon.command('/api/reload', new URLSearchParams({ by: 'test' }));
  expect(r?.status).toBe(200);
  expect(td.daemon.runtimes.has('ext')).toBe(false);
  // Given the time a stop would take (its 1 s grace, then SIGKILL), it is still there.
  await new Promise((res) => setTimeout(res, 3_000));
  return svc;
}

describe('a config reload that removes an external service', () => {
  it('leaves the running service to its manager, and says so once', async () => {
    const svc = await removeExt(true);
    expect(isAlive(svc)).toBe(true);
    // Nothing said before: the service vanished from the status with no word in the journal of what became of it.
    const said = td!.events.filter((e) => e.service === 'ext' && e.type === 'service.left-running');
    expect(said.map((e) => e.message)).toEqual([expect.stringContaining(`left running under its manager (pid ${svc})`)]);
    expect(said[0]!.details).toMatchObject({ pid: svc });
  }, 90_000);

  it('leaves what its manager brought up running when the start command was still under way', async () => {
    expect(isAlive(await removeExt(false))).toBe(true);
  }, 90_000);
});
