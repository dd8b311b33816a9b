// daemon.lock that could not be taken at start (a full state dir) was a start warning and nothing more: no DAEMON DEGRADED
// line in `clawback status`, and the lock never taken once the disk had room again (a second daemon kept out by
// daemon.json alone for the daemon's whole life). Now the daemon is degraded (daemon-lock) while it lasts, keeps
// supervising, takes the lock with the heartbeat once it can, and clears the reason; a second daemon is refused throughout.
import { afterEach, describe, expect, it } from 'vitest';
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { NODE, markServices, readJournalFile, tempDir } from '../helpers/daemon.js';
import { CLI, runCli } from '../helpers/cli.js';
import { killLoggedCopies, loggedCopies, recordingCommand } from './pid-log.js';
import { spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';
import { mountSmallDisk } from '../helpers/tmpfs.js';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanup.length) await Promise.resolve(cleanup.pop()!()).catch(() => undefined);
});

function run(config: string, stateDir: string): MarkedChild {
  const d = spawnMarked(NODE, [CLI, 'run', '--config', config, '--state-dir', stateDir]);
  cleanup.push(() => d.kill());
  return d;
}

function lockOwner(stateDir: string): number | undefined {
  try {
    return (JSON.parse(readFileSync(path.join(stateDir, 'daemon.lock'), 'utf8')) as { pid: number }).pid;
  } catch {
    return undefined;
  }
}

describe('daemon.lock not taken at start (full state dir)', () => {
  it('is DAEMON DEGRADED in status, a second daemon is refused, and the lock is taken and the reason cleared once there is room', async () => {
    const dir = tempDir('clawback-lock-unavailable-');
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const disk = mountSmallDisk('2m');
    cleanup.push(() => disk.unmount());
    cleanup.push(() => disk.free());
    const stateDir = path.join(disk.dir, 'state');
    const pidLog = path.join(dir, 'pids');
    cleanup.push(() => killLoggedCopies(pidLog));
    const config = path.join(dir, 'clawback.yaml');
    writeFileSync(config, YAML.stringify(markServices({ api: { port: 0 }, services: [{ name: 'svc', command: recordingCommand(pidLog) }] })));
    const status = () => runCli(['status', '--config', config, '--state-dir', stateDir]);

    // A daemon killed (out of memory, say): its daemon.json and daemon.lock stay; then the disk fills and it is started again.
    const first = run(config, stateDir);
    await waitFor(() => first.stdout().includes('clawback running'), { timeoutMs: 30_000, intervalMs: 100, message: 'the first daemon runs' });
    await waitFor(() => loggedCopies(pidLog).length > 0 || undefined, { timeoutMs: 30_000, intervalMs: 50, message: 'the service started' });
    process.kill(first.pid, 'SIGKILL');
    await first.waitForExit(10_000);
    disk.fill(0);

    const d = run(config, stateDir);
    await waitFor(() => d.stdout().includes('clawback running'), { timeoutMs: 30_000, intervalMs: 100, message: 'the daemon runs on the full disk' });
    expect(lockOwner(stateDir)).not.toBe(d.pid);
    const during = await status();
    expect(during.stdout).toMatch(/DAEMON DEGRADED: daemon-lock: .*daemon\.lock could not be taken \(ENOSPC/);
    expect(during.stdout).toMatch(/svc\s+running/);

    // Another config file on the same state dir: still refused while the lock is not ours.
    const other = path.join(dir, 'other.yaml');
    copyFileSync(config, other);
    const second = run(other, stateDir);
    expect(await second.waitForExit(30_000), second.stderr()).toEqual({ code: 2, signal: null });
    expect(second.stderr()).toContain(`a clawback daemon is already running for ${stateDir} (pid ${d.pid}`);

    disk.free();
    await waitFor(() => lockOwner(stateDir) === d.pid || undefined, { timeoutMs: 15_000, intervalMs: 100, message: 'the lock taken once there is room' });
    await waitFor(async () => !(await status()).stdout.includes('daemon-lock') || undefined, { timeoutMs: 15_000, intervalMs: 500, message: 'the degraded reason cleared' });
    const journal = readJournalFile(path.join(stateDir, 'journal.jsonl'));
    expect(journal.filter((e) => e.type === 'daemon.recovered' && e.details?.reason === 'daemon-lock')).toHaveLength(1);
    expect(loggedCopies(pidLog)).toHaveLength(1);

    const third = run(other, stateDir);
    expect(await third.waitForExit(30_000), third.stderr()).toEqual({ code: 2, signal: null });
    expect(third.stderr()).toContain(`holding ${path.join(stateDir, 'daemon.lock')}`);

    process.kill(d.pid, 'SIGTERM');
    expect(await d.waitForExit(30_000), d.stderr()).toEqual({ code: 0, signal: null });
    expect(lockOwner(stateDir), 'the lock taken late is released on a clean stop').toBeUndefined();
  }, 120_000);
});
