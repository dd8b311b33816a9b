// daemon.lock removed under a live daemon (a person's `rm ~/.clawback/*.lock`, a restore of the state dir) was never
// made again: a second daemon on the dir (another config file) or a guardian revive started beside the live one, both
// supervising the same services. The live daemon now takes it back at its next heartbeat and says so once; when another
// live process got it first, the live daemon yields loudly and leaves the services running (nothing stopped or started).
import { afterEach, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { NODE, markServices, tempDir } from '../helpers/daemon.js';
import { CLI } from '../helpers/cli.js';
import { killLoggedCopies, loggedCopies, recordingCommand } from './pid-log.js';
import { isAlive, spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';
import { processStartTime } from '../../src/platform/proc.js';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanup.length) await Promise.resolve(cleanup.pop()!()).catch(() => undefined);
});

function setup(): { dir: string; config: string; stateDir: string; pids: () => number[] } {
  const dir = tempDir('clawback-lock-removed-');
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const pidLog = path.join(dir, 'pids');
  const config = path.join(dir, 'clawback.yaml');
  writeFileSync(config, YAML.stringify(markServices({ api: { port: 0 }, services: [{ name: 'svc', command: recordingCommand(pidLog) }] })));
  cleanup.push(() => killLoggedCopies(pidLog));
  return { dir, config, stateDir: path.join(dir, 'state'), pids: () => loggedCopies(pidLog).map(([pid]) => pid) };
}

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

function journal(stateDir: string): Array<{ type: string; severity: string; message: string; details?: Record<string, unknown> }> {
  const file = path.join(stateDir, 'journal.jsonl');
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
}

async function started(s: ReturnType<typeof setup>): Promise<MarkedChild> {
  const a = run(s.config, s.stateDir);
  await waitFor(() => a.stdout().includes('clawback running'), { timeoutMs: 30_000, intervalMs: 100, message: 'the daemon runs' });
  await waitFor(() => s.pids().length > 0 || undefined, { timeoutMs: 30_000, intervalMs: 50, message: 'the service started' });
  return a;
}

describe('daemon.lock removed under a live daemon', () => {
  it('is taken back at the next heartbeat, said once; a second daemon on the dir is then refused', async () => {
    const s = setup();
    const a = await started(s);
    for (let i = 0; i < 2; i++) {
      rmSync(path.join(s.stateDir, 'daemon.lock'));
      rmSync(path.join(s.stateDir, 'daemon.json'), { force: true });
      await waitFor(() => lockOwner(s.stateDir) === a.pid || undefined, { timeoutMs: 20_000, intervalMs: 50, message: 'daemon.lock taken back' });
    }
    const said = journal(s.stateDir).filter((e) => e.details?.effect === 'daemon-lock-retaken');
    expect(said, 'said at the first retake only').toHaveLength(1);
    expect(said[0]!.message).toContain('daemon.lock was gone');
    expect(readFileSync(path.join(s.stateDir, 'logs', 'daemon.log'), 'utf8')).toContain('taken back by this daemon');

    // Another config file on the same state dir: refused by the lock, the service not started again.
    const other = path.join(s.dir, 'other.yaml');
    copyFileSync(s.config, other);
    const b = run(other, s.stateDir);
    expect(await b.waitForExit(30_000), b.stderr()).toEqual({ code: 2, signal: null });
    expect(b.stderr()).toContain(`already running for ${s.stateDir} (pid ${a.pid}`);
    expect(s.pids()).toHaveLength(1);
    expect(a.exitInfo()).toBeUndefined();
  });

  it('held by another live process meanwhile: the daemon yields loudly, exits 2 and leaves its service running', async () => {
    const s = setup();
    const a = await started(s);
    const [svc] = s.pids();
    // Another live process takes the lock while it is gone (a daemon started on the dir in that window).
    const other = spawnMarked(NODE, ['-e', 'setInterval(() => {}, 1e9)']);
    cleanup.push(() => other.kill());
    rmSync(path.join(s.stateDir, 'daemon.lock'));
    writeFileSync(path.join(s.stateDir, 'daemon.lock'), JSON.stringify({ pid: other.pid, startTime: processStartTime(other.pid) ?? null, acquiredAt: Date.now(), token: 'other' }));
    expect(await a.waitForExit(30_000), a.stderr()).toEqual({ code: 2, signal: null });
    expect(a.stderr()).toContain(`is held by another live daemon (pid ${other.pid})`);
    expect(a.stderr()).toContain('leaving the services running');
    const lost = journal(s.stateDir).filter((e) => e.details?.effect === 'daemon-lock-lost');
    expect(lost).toHaveLength(1);
    expect(lost[0]!.severity).toBe('critical');
    expect(isAlive(svc!), 'the service is left running, not stopped').toBe(true);
    expect(s.pids(), 'nothing started again').toEqual([svc]);
    expect(lockOwner(s.stateDir), 'the other holder keeps its lock').toBe(other.pid);
    expect(existsSync(path.join(s.stateDir, 'daemon.stopped')), 'no stop on purpose recorded').toBe(false);
  });
});
