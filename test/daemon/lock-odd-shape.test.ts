// daemon.lock in an odd shape (a directory from a restore or a person's mkdir, a link to /dev/zero, a FIFO, a link to
// nothing): the daemon ran without its lock, said only in a start warning, the odd file left in place for good; a
// dangling link even refused the start ("a clawback daemon is starting", forever), the services unsupervised. The odd
// file is now moved aside (kept as evidence, named once) and the lock taken, at start and under a live daemon.
import { afterEach, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import YAML from 'yaml';
import { NODE, markServices, tempDir } from '../helpers/daemon.js';
import { CLI } from '../helpers/cli.js';
import { killLoggedCopies, loggedCopies, recordingCommand } from './pid-log.js';
import { spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanup.length) await Promise.resolve(cleanup.pop()!()).catch(() => undefined);
});

function setup(): { dir: string; config: string; stateDir: string; lock: string; pids: () => number[] } {
  const dir = tempDir('clawback-lock-odd-');
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const pidLog = path.join(dir, 'pids');
  const config = path.join(dir, 'clawback.yaml');
  writeFileSync(config, YAML.stringify(markServices({ api: { port: 0 }, services: [{ name: 'svc', command: recordingCommand(pidLog) }] })));
  cleanup.push(() => killLoggedCopies(pidLog));
  const stateDir = path.join(dir, 'state');
  mkdirSync(stateDir, { mode: 0o700 });
  return { dir, config, stateDir, lock: path.join(stateDir, 'daemon.lock'), pids: () => loggedCopies(pidLog).map(([pid]) => pid) };
}

function run(config: string, stateDir: string): MarkedChild {
  const d = spawnMarked(NODE, [CLI, 'run', '--config', config, '--state-dir', stateDir]);
  cleanup.push(() => d.kill());
  return d;
}

function lockOwner(lock: string): number | undefined {
  try {
    if (!lstatSync(lock).isFile()) return undefined;
    return (JSON.parse(readFileSync(lock, 'utf8')) as { pid: number }).pid;
  } catch {
    return undefined;
  }
}

function kept(stateDir: string): string[] {
  return readdirSync(stateDir).filter((n) => n.startsWith('daemon.lock.not-a-file-'));
}

const SHAPES: Array<[string, (file: string) => void, string]> = [
  ['a directory', (f) => mkdirSync(f), 'a directory'],
  ['a link to /dev/zero', (f) => symlinkSync('/dev/zero', f), 'a link to a character device'],
  ['a FIFO', (f) => execFileSync('mkfifo', [f]), 'a FIFO'],
  ['a link to nothing', (f) => symlinkSync('/nonexistent/clawback-lock', f), 'a dangling link'],
];

describe('daemon.lock in an odd shape', () => {
  it.each(SHAPES)('%s at start: moved aside as evidence, named, the lock taken; a second daemon is turned away by it', async (_name, make, was) => {
    const s = setup();
    make(s.lock);
    const a = run(s.config, s.stateDir);
    await waitFor(() => a.stdout().includes('clawback running') || a.exitInfo() !== undefined || undefined, { timeoutMs: 30_000, intervalMs: 100, message: 'the daemon runs' });
    expect(a.exitInfo(), a.stderr()).toBeUndefined();
    expect(lockOwner(s.lock), 'daemon.lock is a regular file naming the daemon').toBe(a.pid);
    const evidence = kept(s.stateDir);
    expect(evidence, 'the odd file kept aside').toHaveLength(1);
    expect(a.stderr() + a.stdout()).toContain(`${s.lock} was ${was}, not a lock file: moved aside to ${path.join(s.stateDir, evidence[0]!)}`);
    expect(a.stderr() + a.stdout()).not.toContain('could not take');

    const other = path.join(s.dir, 'other.yaml');
    copyFileSync(s.config, other);
    rmSync(path.join(s.stateDir, 'daemon.json'), { force: true }); // the lock alone must keep it out
    const b = run(other, s.stateDir);
    expect(await b.waitForExit(30_000), b.stderr()).toEqual({ code: 2, signal: null });
    expect(b.stderr()).toContain(`pid ${a.pid}, holding ${s.lock}`);
  });

  it('a directory put in its place under a live daemon: moved aside and taken back at the next heartbeat', async () => {
    const s = setup();
    const a = run(s.config, s.stateDir);
    await waitFor(() => a.stdout().includes('clawback running'), { timeoutMs: 30_000, intervalMs: 100, message: 'the daemon runs' });
    rmSync(s.lock);
    mkdirSync(s.lock);
    await waitFor(() => lockOwner(s.lock) === a.pid || undefined, { timeoutMs: 20_000, intervalMs: 50, message: 'daemon.lock taken back' });
    expect(kept(s.stateDir)).toHaveLength(1);
    const journal = readFileSync(path.join(s.stateDir, 'journal.jsonl'), 'utf8');
    expect(journal).toContain('daemon.lock was a directory, not a lock file: moved aside to');
    expect(existsSync(path.join(s.stateDir, kept(s.stateDir)[0]!))).toBe(true);
    expect(a.exitInfo()).toBeUndefined();
  });
});
