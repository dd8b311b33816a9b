// killLeftovers says how many it killed, so the exit of a leader with stray children can be journaled as an event.
import { afterEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import { killLeftovers } from '../../src/supervisor/service-process.js';
import { FIXTURES, NODE } from '../helpers/daemon.js';
import { isAlive, spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';

let leader: MarkedChild | undefined;
afterEach(() => {
  leader?.kill();
  leader = undefined;
});

describe('killLeftovers', () => {
  it('returns how many processes were left in a dead leader group and kills them; 0 when nothing is left', async () => {
    leader = spawnMarked('/bin/sh', ['-c', `"${NODE}" "${path.join(FIXTURES, 'sleeper.mjs')}" & echo $!; exit 0`]);
    const out = await leader.waitForStdout(/\d+\n/, 10_000);
    const child = Number(out.trim());
    await leader.waitForExit(10_000);
    expect(isAlive(child)).toBe(true);
    const killed = killLeftovers(leader.pid);
    expect(killed).toBeGreaterThanOrEqual(1);
    await waitFor(() => !isAlive(child), { timeoutMs: 10_000 });
    expect(killLeftovers(leader.pid)).toBe(0);
  });
});
