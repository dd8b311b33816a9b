// cron (`>> logs/guardian.log 2>&1`) and launchd (StandardOutPath) append the guardian's full JSON report every pass,
// ~450 bytes a minute for as long as the machine runs; the daemon's stdout (daemon.out.log) grows the same way. Nothing
// rotated them: each real pass now bounds them as the daemon's own log is bounded (10 MiB, 5 generations).
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI } from '../helpers/cli.js';
import { NODE, tempDir } from '../helpers/daemon.js';
import { DEFAULT_LOG_KEEP, DEFAULT_LOG_MAX_BYTES } from '../../src/observe/log-rotation.js';

/** One real guardian pass, its output appended to guardian.log as the crontab line does. */
function cronPass(stateDir: string): number | null {
  const fd = openSync(path.join(stateDir, 'logs', 'guardian.log'), 'a', 0o600);
  try {
    const r = spawnSync(NODE, [CLI, 'guardian', '--once', '--state-dir', stateDir], {
      cwd: stateDir,
      env: { ...process.env, CLAWBACK_TEST_CHILD: '1', CLAWBACK_CONFIG: '' },
      stdio: ['ignore', fd, fd],
      timeout: 30_000,
    });
    return r.status;
  } finally {
    closeSync(fd);
  }
}

/** `n` bytes of log lines, each ending in a newline. */
function lines(n: number, tag: string): string {
  const line = `${JSON.stringify({ outcome: 'ok', tag }).padEnd(99, ' ')}\n`;
  return line.repeat(Math.ceil(n / line.length)).slice(0, n - 1) + '\n';
}

describe('guardian.log and daemon.out.log stay bounded', () => {
  it('a pass rotates guardian.log past 10 MiB by rename, keeps every byte, and never more than 5 generations', () => {
    const stateDir = tempDir('clawback-guardian-log-');
    const logs = path.join(stateDir, 'logs');
    mkdirSync(logs, { recursive: true, mode: 0o700 });
    const guardianLog = path.join(logs, 'guardian.log');
    // Months of passes, and the generations an earlier rotation left (one past keep: a lowered bound).
    const old = lines(DEFAULT_LOG_MAX_BYTES + 4096, 'old');
    writeFileSync(guardianLog, old);
    for (let i = 1; i <= DEFAULT_LOG_KEEP + 1; i++) writeFileSync(`${guardianLog}.${i}`, lines(1024, `gen${i}`));
    const daemonOut = path.join(logs, 'daemon.out.log');
    writeFileSync(daemonOut, lines(DEFAULT_LOG_MAX_BYTES + 1, 'daemon'));

    for (let pass = 0; pass < 3; pass++) expect(cronPass(stateDir)).toBe(0);

    // The live file holds only the passes after the rotation; the first one's report went to .1 after the old bytes.
    const live = readFileSync(guardianLog, 'utf8');
    expect(statSync(guardianLog).size).toBeLessThan(64 * 1024);
    expect(live).not.toContain('"tag":"old"');
    const rotated = readFileSync(`${guardianLog}.1`, 'utf8');
    expect(rotated.startsWith(old)).toBe(true);
    // A report appended to a file is one line (what the installed units and cron line write).
    expect(rotated.slice(old.length)).toMatch(/^\{"outcome":"never-ran".*rotated guardian\.log \(\d+ bytes\) -> guardian\.log\.1.*\}\n$/);
    expect(readFileSync(`${guardianLog}.2`, 'utf8')).toContain('"tag":"gen1"');
    const generations = readdirSync(logs).filter((n) => /^guardian\.log\.\d+$/.test(n)).sort();
    expect(generations).toEqual(Array.from({ length: DEFAULT_LOG_KEEP }, (_, i) => `guardian.log.${i + 1}`));

    // The daemon's output file (held open with O_APPEND by a running daemon) is copied to .1 and emptied.
    expect(statSync(daemonOut).size).toBe(0);
    expect(readFileSync(`${daemonOut}.1`, 'utf8')).toContain('"tag":"daemon"');
    expect(existsSync(`${daemonOut}.2`)).toBe(false);
  });
});
