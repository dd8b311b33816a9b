// An external service whose pid cannot be identified (its /proc/PID/stat unreadable: the daemon out of descriptors,
// another user's process under hidepid) is never signalled: a stop sent the pid SIGTERM and SIGKILL though nothing
// could tell it from a process that took the pid since. The stop says why instead, for the reducer to hear.
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { launchExternal } from '../../src/supervisor/external-process.js';
import { systemClock } from '../../src/platform/clock.js';
import { realCommandRunner } from '../../src/platform/command-runner.js';
import { processStartTime } from '../../src/platform/proc.js';
import { spawnMarked, type MarkedChild } from '../helpers/processes.js';

// A file that even root cannot read (EACCES), bound over the service's /proc/PID/stat: a live process whose identity
// cannot be read, for real. Needs root and a writable mount table; skipped elsewhere.
const UNREADABLE = '/proc/sys/vm/compact_memory';
const children: MarkedChild[] = [];
const mounted: string[] = [];
let dir: string | undefined;
afterEach(async () => {
  for (const m of mounted.splice(0)) {
    // Gone already when its process ended (the /proc entry went with it).
    for (const args of [[m], ['-l', m]]) {
      try {
        execFileSync('umount', args, { stdio: 'ignore' });
        break;
      } catch {
        // not mounted any more, or try lazily
      }
    }
  }
  for (const c of children.splice(0)) {
    c.kill();
    await c.waitForExit(5000).catch(() => undefined);
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function hideStat(pid: number): boolean {
  try {
    execFileSync('mount', ['--bind', UNREADABLE, `/proc/${pid}/stat`], { stdio: 'ignore' });
  } catch {
    return false;
  }
  mounted.push(`/proc/${pid}/stat`);
  return processStartTime(pid) === undefined;
}

const canMount = process.platform === 'linux' && process.getuid?.() === 0;

describe('an external service whose pid cannot be identified', () => {
  it.skipIf(!canMount)('is not signalled by a stop; the stop says why', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'clawback-external-unverified-'));
    const pidFile = path.join(dir, 'svc.pid');
    const svc = spawnMarked(process.execPath, ['-e', "console.log('ready'); setInterval(() => {}, 1e9)"]);
    children.push(svc);
    await svc.waitForStdout('ready');
    writeFileSync(pidFile, `${svc.pid}\n`);
    if (!hideStat(svc.pid)) return; // this host cannot hide it: nothing to judge
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
