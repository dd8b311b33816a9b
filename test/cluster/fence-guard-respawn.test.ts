// A fence guard killed while its instance lives is started again: without it a paused daemon left the instance serving next to the new leader's.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fenceFile, spawnFenceGuard, writeFenceDeadline } from '../../src/cluster/fence-file.js';
import { FIXTURES, NODE } from '../helpers/daemon.js';
import { isAlive, spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';
import { taggedPids } from './cluster-members.js';

const started: MarkedChild[] = [];
const dirs: string[] = [];
const guards: Array<{ cancel(): void }> = [];

afterEach(() => {
  for (const g of guards.splice(0)) g.cancel();
  for (const c of started.splice(0)) c.kill();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('fence guard respawn', () => {
  it('a guard SIGKILLed while its instance runs is replaced, and the replacement fences at the deadline', async () => {
    const c = spawnMarked(NODE, [path.join(FIXTURES, 'sleeper.mjs')]);
    started.push(c);
    await c.waitForStdout('ready', 15_000);
    const d = mkdtempSync(path.join(os.tmpdir(), 'clawback-fence-'));
    dirs.push(d);
    const f = fenceFile(d, 'gw');
    await writeFenceDeadline(f, Date.now() + 60_000, Date.now());
    const tag = `fgr-${process.pid}`;
    guards.push(spawnFenceGuard(f, c.pid, { ...process.env, CLAWBACK_TEST_CHILD: '1', CLUSTER_TEST_TAG: tag }));
    const [first] = await waitFor(() => (taggedPids(tag).length === 1 ? taggedPids(tag) : undefined), { timeoutMs: 10_000, message: () => 'the guard to run' });
    // Killed twice in a row (the OOM killer, a person): each time another guard takes its place.
    let killed = first!;
    for (let round = 0; round < 2; round++) {
      process.kill(killed, 'SIGKILL');
      const now = await waitFor(() => taggedPids(tag).find((p) => p !== killed), { timeoutMs: 5000, message: () => `a new guard after round ${round}` });
      killed = now;
    }
    expect(isAlive(c.pid)).toBe(true);
    // The daemon stops refreshing (paused, or the lease is lost): the replacement kills the instance.
    await writeFenceDeadline(f, 0, Date.now());
    const info = await c.waitForExit(5000);
    expect(info.signal).toBe('SIGKILL');
    await waitFor(() => taggedPids(tag).length === 0, { timeoutMs: 5000, message: () => 'the guard to end with its instance' });
  });

  it('a guard cancelled (its instance exited) is not started again', async () => {
    const c = spawnMarked(NODE, [path.join(FIXTURES, 'sleeper.mjs')]);
    started.push(c);
    await c.waitForStdout('ready', 15_000);
    const d = mkdtempSync(path.join(os.tmpdir(), 'clawback-fence-'));
    dirs.push(d);
    const f = fenceFile(d, 'gw');
    await writeFenceDeadline(f, Date.now() + 60_000, Date.now());
    const tag = `fgc-${process.pid}`;
    const g = spawnFenceGuard(f, c.pid, { ...process.env, CLAWBACK_TEST_CHILD: '1', CLUSTER_TEST_TAG: tag });
    guards.push(g);
    await waitFor(() => taggedPids(tag).length === 1, { timeoutMs: 10_000, message: () => 'the guard to run' });
    g.cancel();
    await waitFor(() => taggedPids(tag).length === 0, { timeoutMs: 5000, message: () => 'the cancelled guard to end' });
    await new Promise((r) => setTimeout(r, 500));
    expect(taggedPids(tag)).toEqual([]);
    expect(isAlive(c.pid)).toBe(true);
  });
});
