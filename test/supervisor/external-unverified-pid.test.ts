// An external service whose pid cannot be identified (its /proc/PID/stat unreadable: the daemon out of descriptors,
// another user's process under hidepid) is never signalled: a stop sent the pid SIGTERM and SIGKILL though nothing
// could tell it from a process that took the pid since. The stop says why instead, for the reducer to hear.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { launchExternal } from '../../src/supervisor/external-process.js';
import { systemClock } from '../../src/platform/clock.js';
import { realCommandRunner } from '../../src/platform/command-runner.js';
import { canHideStat, statHider } from '../helpers/hidden-stat.js';
import { spawnMarked, type MarkedChild } from '../helpers/processes.js';

const children: MarkedChild[] = [];
const stat = statHider();
let dir: string | undefined;
afterEach(async () => {
  stat.undo();
  for (const c of children.splice(0)) {
    c.kill();
    await c.waitForExit(5000).catch(() => undefined);
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});


describe('an external service whose pid cannot be identified', () => {
  it.skipIf(!canHideStat)('is not signalled by a stop; the stop says why', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'clawback-external-unverified-'));
    const pidFile = path.join(dir, 'svc.pid');
    const svc = spawnMarked(process.execPath, ['-e', "console.log('ready'); setInterval(() => {}, 1e9)"]);
    children.push(svc);
    await svc.waitForStdout('ready');
    writeFileSync(pidFile, `${svc.pid}\n`);
    if (!stat.hide(svc.pid)) return; // this host cannot hide it: nothing to judge
    const inst = await launchExternal({ pidFile, restartCommand: ['true'], timeout: 5_000 }, systemClock(), realCommandRunner(), { restart: false, pollMs: 100 });
    expect(inst.pid).toBe(svc.pid);
    expect(inst.pidStartTime).toBeNull();
    const stopped = await inst.stop('SIGTERM', 300).then(() => 'stopped', (err: Error) => err.message);
    expect(stopped).toMatch(new RegExp(`pid ${svc.pid} was not signalled`));
    inst.signalGroup('SIGKILL');
    await new Promise((r) => setTimeout(r, 800));
    expect(svc.exitInfo(), 'the unidentified pid was signalled').toBeUndefined();
    inst.release?.();
  }, 30_000);
});
