// A gateway in a container (its own pid namespace) sharing the lock directory writes its pid there, which names nobody
// here or someone else: `doctor --fix` must not take its live lock or pid file for stale ("not running", "pid reused").
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import YAML from 'yaml';
import { tempDir } from '../helpers/daemon.js';
import { isAlive, spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';
import { runCli } from '../helpers/cli.js';

const HOLD_LOCK = fileURLToPath(new URL('../fixtures/hold-lock.mjs', import.meta.url));
const SLEEPER = fileURLToPath(new URL('../fixtures/sleeper.mjs', import.meta.url));

/** Root with unshare: a new pid namespace can be made (and its next pid steered). */
function canNest(): boolean {
  if (process.getuid?.() !== 0) return false;
  return spawnSync('unshare', ['-p', '-f', '--mount-proc', 'true'], { timeout: 10_000 }).status === 0;
}

let container: MarkedChild | undefined;
afterEach(() => {
  container?.kill();
  container = undefined;
});

describe('an owner in a nested pid namespace', () => {
  it.skipIf(!canNest())('keeps its lock file and pid file while it runs; they are stale once it has gone', async () => {
    const dir = tempDir();
    const lock = path.join(dir, 'gateway.lock');
    const pidFile = path.join(dir, 'gateway.pid');
    // Inside, the holder gets a pid that is free out here (so "not running" is what a check of this namespace sees).
    let inner = 30_000;
    while (isAlive(inner) || isAlive(inner + 1)) inner += 2;
    const script = `echo ${inner} > /proc/sys/kernel/ns_last_pid; "$0" "${HOLD_LOCK}" "${lock}" & echo $! > "${pidFile}"; wait`;
    container = spawnMarked('unshare', ['-p', '-f', '--mount-proc', 'sh', '-c', script, process.execPath]);
    await container.waitForStdout('ready', 10_000);
    const named = Number(readFileSync(pidFile, 'utf8'));
    expect(JSON.parse(readFileSync(lock, 'utf8'))).toMatchObject({ pid: named });
    expect(isAlive(named)).toBe(false);

    const cfg = path.join(dir, 'clawback.yaml');
    writeFileSync(cfg, YAML.stringify({ services: [{ name: 'gw', command: [process.execPath, SLEEPER], lockFiles: [lock], pidFiles: [pidFile] }] }));
    const args = ['-c', cfg, '--state-dir', path.join(dir, 'state'), 'doctor'];
    const r = await runCli([...args, '--fix', '--json'], { timeoutMs: 30_000 });
    const report = JSON.parse(r.stdout) as { exitCode: number; services: Array<{ findings: Array<{ rule: string }> }> };
    expect(report.services[0]!.findings.map((f) => f.rule), r.stdout).toEqual([]);
    expect(existsSync(lock)).toBe(true);
    expect(existsSync(pidFile)).toBe(true);

    // Control: once the container is gone, both are stale.
    container.kill();
    await container.waitForExit(10_000);
    await waitFor(async () => (await runCli([...args, '--json'], { timeoutMs: 30_000 })).stdout.includes('stale-lock'), { timeoutMs: 15_000, message: 'the lock to read stale' });
    const after = JSON.parse((await runCli([...args, '--json'], { timeoutMs: 30_000 })).stdout) as typeof report;
    expect(after.services[0]!.findings.map((f) => f.rule).sort()).toEqual(['stale-lock', 'stale-pidfile']);
  }, 60_000);
});
