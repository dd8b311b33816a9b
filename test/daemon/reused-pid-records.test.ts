// A config claim or an alive marker that names no start time (written where the start could not be read) and whose pid
// now runs another program: the readers (guardian, doctor, drill, run) call such a pid a stranger (recordedDaemonLives),
// but the claim and the marker sweep judged it by the pid alone. A `sleep` sitting on a dead daemon's pid held the
// config claim for ever (`run` refused: "a clawback daemon (pid N, a sleep) already supervises ...; kill -TERM N") and its
// alive marker was never swept. Both now use the readers' rule; a live daemon (its command line runs `run`) keeps both.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { claimBase, readConfigClaim, takeConfigClaim } from '../../src/daemon/config-claim.js';
import { startHeartbeat } from '../../src/daemon/heartbeat.js';
import type { DaemonInfo } from '../../src/daemon/daemon-info.js';
import { systemClock } from '../../src/platform/clock.js';
import { NODE, tempDir } from '../helpers/daemon.js';
import { spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';

const children: MarkedChild[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function live(cmd: string, args: string[]): MarkedChild {
  const c = spawnMarked(cmd, args);
  children.push(c);
  return c;
}

/** A claim as a daemon that could not read its start time leaves it: the lock (no startTime) and the .json. */
function plantClaim(config: string, claims: string, pid: number, acquiredAt: number): string {
  const base = claimBase(config, claims);
  writeFileSync(`${base}.lock`, JSON.stringify({ pid, startTime: null, acquiredAt, token: 'planted' }));
  writeFileSync(`${base}.json`, JSON.stringify({ pid, stateDir: path.join(path.dirname(config), 'old-state'), configFile: config }));
  return base;
}

describe('records naming a pid without a start time', () => {
  it('a claim whose pid is now a sleep is nobody\'s: readConfigClaim says none, a daemon takes it; a live `run` keeps its own', { timeout: 30_000 }, async () => {
    const dir = tempDir('clawback-reused-claim-');
    dirs.push(dir);
    const claims = path.join(dir, 'config-claims');
    mkdirSync(claims, { mode: 0o700 });
    const config = path.join(dir, 'c.yaml');
    writeFileSync(config, 'services: []\n');
    const stranger = live('sleep', ['1000']);
    await waitFor(() => existsSync(`/proc/${stranger.pid}`), { timeoutMs: 5000, message: 'the sleep' });
    plantClaim(config, claims, stranger.pid, Date.now() - 3_600_000);
    expect(readConfigClaim(config, claims)).toBeUndefined();
    const held = await takeConfigClaim(config, dir, systemClock(), claims);
    expect(held.kind).toBe('held');
    if (held.kind === 'held') await held.release();

    // A process that may be the daemon (its command line runs `run`, started before the claim) still holds it.
    const daemonLike = live(NODE, ['-e', 'setInterval(() => {}, 1000)', 'run']);
    await waitFor(() => existsSync(`/proc/${daemonLike.pid}`), { timeoutMs: 5000, message: 'the daemon-like process' });
    plantClaim(config, claims, daemonLike.pid, Date.now());
    expect(readConfigClaim(config, claims)?.pid).toBe(daemonLike.pid);
    const busy = await takeConfigClaim(config, dir, systemClock(), claims);
    expect(busy.kind).toBe('busy');
  });

  it("a stranger's alive marker is swept when the heartbeat starts; a live daemon's is kept", { timeout: 30_000 }, async () => {
    const dir = tempDir('clawback-reused-marker-');
    dirs.push(dir);
    const stranger = live('sleep', ['1000']);
    const daemonLike = live(NODE, ['-e', 'setInterval(() => {}, 1000)', 'run']);
    await waitFor(() => existsSync(`/proc/${stranger.pid}`) && existsSync(`/proc/${daemonLike.pid}`), { timeoutMs: 5000, message: 'both processes' });
    const strangers = path.join(dir, `daemon.${stranger.pid}.x.alive`);
    const daemons = path.join(dir, `daemon.${daemonLike.pid}.x.alive`);
    writeFileSync(strangers, '');
    writeFileSync(daemons, '');
    const info = (): DaemonInfo => ({ pid: process.pid, startedAt: Date.now(), version: 't', api: { host: '127.0.0.1', port: 1 }, heartbeatAt: 0, configPath: '', pidStartTime: 1 });
    const hb = startHeartbeat({ stateDir: dir, clock: systemClock(), intervalMs: 60_000, info });
    try {
      expect(existsSync(strangers)).toBe(false);
      expect(existsSync(daemons)).toBe(true);
    } finally {
      await hb.stop();
    }
  });
});
