// /proc mounted with hidepid=2 (a hardened multi-user host) hides another user's processes: a lock or pid file whose owner
// is such a live process is not "stale" (kill(pid, 0) answers EPERM: it exists), and `doctor --fix` leaves both in place.
import { afterEach, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import YAML from 'yaml';
import { tempDir } from '../helpers/daemon.js';
import { spawnMarked, type MarkedChild } from '../helpers/processes.js';
import { CLI } from '../helpers/cli.js';

const HOLD_LOCK = fileURLToPath(new URL('../fixtures/hold-lock.mjs', import.meta.url));
const SLEEPER = fileURLToPath(new URL('../fixtures/sleeper.mjs', import.meta.url));

/** Root with unshare and runuser: a private mount namespace can mount /proc with hidepid=2 for a run as nobody. */
function canHideProc(): boolean {
  if (process.getuid?.() !== 0) return false;
  const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', 'mount -t proc -o hidepid=2 proc /proc && runuser -u nobody -- true'], { timeout: 10_000 });
  return r.status === 0;
}

let holder: MarkedChild | undefined;
afterEach(() => {
  holder?.kill();
  holder = undefined;
});

describe('an owner /proc hides', () => {
  it.skipIf(!canHideProc())('another user\'s live process keeps its lock file and pid file', async () => {
    const dir = tempDir();
    chmodSync(dir, 0o777);
    const lock = path.join(dir, 'gateway.lock');
    const pidFile = path.join(dir, 'gateway.pid');
    holder = spawnMarked(process.execPath, [HOLD_LOCK, lock]);
    await holder.waitForStdout('ready', 10_000);
    writeFileSync(pidFile, `${holder.pid}\n`);
    chmodSync(lock, 0o644);
    const cfg = path.join(dir, 'clawback.yaml');
    writeFileSync(cfg, YAML.stringify({ services: [{ name: 'gw', command: [process.execPath, SLEEPER], lockFiles: [lock], pidFiles: [pidFile] }] }));
    const doctor = `mount -t proc -o hidepid=2 proc /proc && exec runuser -u nobody -- "$0" "${CLI}" -c "${cfg}" --state-dir "${path.join(dir, 'state')}" doctor --fix --json`;
    const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', doctor, process.execPath], { encoding: 'utf8', timeout: 30_000, cwd: dir });
    const report = JSON.parse(r.stdout) as { exitCode: number; services: Array<{ findings: Array<{ rule: string }> }> };
    expect(report.services[0]!.findings.map((f) => f.rule), r.stdout).toEqual([]);
    expect(report.exitCode).toBe(0);
    expect(existsSync(lock)).toBe(true);
    expect(existsSync(pidFile)).toBe(true);
  }, 40_000);
});
