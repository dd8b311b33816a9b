// A service that depends on an external one whose manager takes long to bring it up (within its external.timeout):
// the boot waited for that start only stop grace + 30 s, then 60 s for its health, and at 91 s said "dependencies ext
// not healthy after 60 s; starting anyway" and started the dependent while the dependency's start was still under way.
// The dependent now waits for the dependency's start as long as its external.timeout allows, then 60 s for its health.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURES, NODE, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { killTree, pidRef, waitFor, type PidRef } from '../helpers/processes.js';

let td: TestDaemon | undefined;
const pids: PidRef[] = [];
const pidFiles: string[] = [];
afterEach(async () => {
  await td?.stop();
  td = undefined;
  // An external service outlives the daemon: ended here.
  for (const f of pidFiles.splice(0)) {
    const pid = readPid(f);
    if (pid) pids.push(pidRef(pid));
  }
  for (const ref of pids.splice(0)) killTree(ref);
});

const readPid = (file: string): number | undefined => {
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return pid > 0 ? pid : undefined;
};

// Past stop grace (1 s) + 30 s + the 60 s health wait: the point where the dependent was started anyway.
const LATE_MS = 96_000;

describe('a dependent of an external service its manager brings up late', () => {
  it('waits for the start under way (bounded by external.timeout), not stop grace + 30 s', async () => {
    const dir = tempDir();
    const pidFile = path.join(dir, 'ext.pid');
    pidFiles.push(pidFile);
    const start = [NODE, path.join(FIXTURES, 'slow-manager.mjs'), String(LATE_MS), pidFile, NODE, path.join(FIXTURES, 'sleeper.mjs')];
    const ext = { name: 'ext', external: { pidFile, startCommand: start, restartCommand: start, timeout: '150s' }, stop: { grace: '1s' } };
    const web = { name: 'web', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')], dependsOn: ['ext'], stop: { grace: '1s' } };
    td = await startTestDaemon({ services: [ext, web] }, { dir });
    const t = td;
    const webRt = t.daemon.runtimes.get('web')!;
    const extRt = t.daemon.runtimes.get('ext')!;
    await waitFor(() => webRt.status().pid ?? undefined, { timeoutMs: LATE_MS + 60_000, message: 'web started' });
    const extStarted = t.events.find((e) => e.type === 'service.started' && e.service === 'ext');
    const webStarted = t.events.find((e) => e.type === 'service.started' && e.service === 'web');
    const anyway = t.events.filter((e) => e.service === 'web' && /starting anyway/.test(e.message)).map((e) => e.message);
    expect(anyway, 'web started before its dependency had come up').toEqual([]);
    expect(extStarted, `ext's start still under way (${extRt.status().state}) when web started`).toBeDefined();
    expect(webStarted!.time).toBeGreaterThanOrEqual(extStarted!.time);
  }, LATE_MS + 120_000);
});
