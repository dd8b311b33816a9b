// The guardian of a copied (or restored) state directory: the pid its daemon.json / daemon.lock names is the live daemon of
// the original directory, which it must neither kill nor count as its own.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { copyFile, mkdir, mkdtemp, realpath, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { guardianOnce, type GuardianDeps } from '../../src/daemon/guardian.js';
import { readDaemonInfo, type DaemonInfo } from '../../src/daemon/daemon-info.js';
import { stateDirFromArgv } from '../../src/daemon/daemon-identity.js';
import { DryRunRunner } from '../../src/platform/command-runner.js';
import { systemClock } from '../../src/platform/clock.js';
import { isAlive, processStartTime } from '../../src/platform/proc.js';
import { killTree, spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';

const FAKE_DAEMON = fileURLToPath(new URL('./fake-daemon.mjs', import.meta.url));

let root: string;
let dirA: string;
let dirB: string;
let children: MarkedChild[];

beforeEach(async () => {
  root = await realpath(await mkdtemp(path.join(tmpdir(), 'clawback-guardian-copy-')));
  dirA = path.join(root, 'A');
  dirB = path.join(root, 'B');
  await mkdir(dirA);
  await mkdir(dirB);
  children = [];
});

afterEach(async () => {
  for (const c of children) {
    killTree(c.ref, 'SIGCONT');
    c.kill();
  }
  await Promise.all(children.map((c) => c.waitForExit(5000).catch(() => undefined)));
  await rm(root, { recursive: true, force: true });
});

/** A fake daemon started as the real one is: its state directory named on its command line. */
function startFake(stateDir: string): MarkedChild {
  const child = spawnMarked(process.execPath, [FAKE_DAEMON, stateDir, 'run', '--state-dir', stateDir]);
  children.push(child);
  return child;
}

async function heartbeatFrom(stateDir: string, pid: number): Promise<DaemonInfo> {
  return waitFor(
    async () => {
      const r = await readDaemonInfo(stateDir);
      return r.info && r.info.pid === pid ? r.info : null;
    },
    { timeoutMs: 10_000, message: `a heartbeat from pid ${pid}` },
  );
}

function deps(kills: number[], started: MarkedChild[]): GuardianDeps {
  return {
    stateDir: dirB,
    clock: systemClock(),
    staleAfterMs: 1500,
    staleRecheckMs: 1000,
    startGraceMs: 1000,
    runner: new DryRunRunner(),
    serviceManager: 'none',
    timeoutMs: 20_000,
    pollMs: 50,
    startDaemon: async () => {
      started.push(startFake(dirB));
    },
    kill: (pid, signal) => {
      kills.push(pid);
      process.kill(pid, signal);
    },
  };
}

describe('guardian of a copied state directory', () => {
  it('never kills the live daemon of the original directory named in a copied daemon.json; it starts its own', async () => {
    const original = startFake(dirA);
    await heartbeatFrom(dirA, original.pid);
    // The copy was taken a minute ago: its heartbeat is stale, the pid it names is alive and healthy in A.
    await copyFile(path.join(dirA, 'daemon.json'), path.join(dirB, 'daemon.json'));
    const copy = (await readDaemonInfo(dirB)).info!;
    await writeFile(path.join(dirB, 'daemon.json'), JSON.stringify({ ...copy, heartbeatAt: Date.now() - 60_000 }));
    const kills: number[] = [];
    const started: MarkedChild[] = [];
    const report = await guardianOnce(deps(kills, started));
    expect(kills).toEqual([]);
    expect(report.killedPid).toBeUndefined();
    expect(isAlive(original.pid)).toBe(true);
    expect(report.actions.join('\n')).toContain(`the daemon of ${dirA}`);
    expect(report.outcome).toBe('revived');
    expect(report.after?.pid).toBe(started[0]?.pid);
  });

  it('never kills the original daemon named in a copied daemon.lock, however old the lock', async () => {
    const original = startFake(dirA);
    await heartbeatFrom(dirA, original.pid);
    const lock = { pid: original.pid, startTime: processStartTime(original.pid) ?? null, acquiredAt: Date.now() - 600_000, token: 'copied' };
    await writeFile(path.join(dirB, 'daemon.lock'), JSON.stringify(lock));
    await writeFile(path.join(dirB, 'state.json'), '{}');
    const tenMinutesAgo = new Date(Date.now() - 600_000);
    await utimes(path.join(dirB, 'state.json'), tenMinutesAgo, tenMinutesAgo);
    const kills: number[] = [];
    const started: MarkedChild[] = [];
    const report = await guardianOnce({ ...deps(kills, started), explicitConfig: true });
    expect(kills).toEqual([]);
    expect(isAlive(original.pid)).toBe(true);
    expect(report.actions.join('\n')).toContain(`the daemon of ${dirA}`);
  });

  it('reads the state directory a daemon serves from its flag, then $CLAWBACK_STATE_DIR, against its cwd', () => {
    expect(stateDirFromArgv(['node', 'main.js', 'run', '--state-dir', 'st'], '/env', '/home/u')).toBe('/home/u/st');
    expect(stateDirFromArgv(['node', 'main.js', '--state-dir=/abs', 'run'], undefined, '/x')).toBe('/abs');
    expect(stateDirFromArgv(['node', 'main.js', 'run'], 'rel', '/cwd')).toBe('/cwd/rel');
    expect(stateDirFromArgv(['node', 'main.js', 'run'], undefined, '/cwd')).toBeUndefined();
  });
});
