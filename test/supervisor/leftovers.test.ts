// killLeftovers says how many it killed, so the exit of a leader with stray children can be journaled as an event.
import { afterEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import { killLeftovers, leftoversHolding } from '../../src/supervisor/service-process.js';
import { FIXTURES, NODE } from '../helpers/daemon.js';
import { isAlive, spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';

let leader: MarkedChild | undefined;
let other: MarkedChild | undefined;
afterEach(() => {
  leader?.kill();
  leader = undefined;
  other?.kill();
  other = undefined;
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

  it('never touches a live group leader under that pid: the dead leader\'s pid was reused by a newer process, whose group is not ours', async () => {
    // What a recorded instance's pid is after a reboot or a long downtime: another program (a systemd user service,
    // a shell job) leading its own group. Before, the boot's and the next start's group kill SIGKILLed it.
    other = spawnMarked(NODE, [path.join(FIXTURES, 'sleeper.mjs')]);
    await other.waitForStdout('ready', 10_000);
    expect(killLeftovers(other.pid)).toBe(0);
    await new Promise((r) => setTimeout(r, 200));
    expect(isAlive(other.pid)).toBe(true);
    // The wait before the next start does not count it as the old group still holding the port.
    expect(leftoversHolding(other.pid)).toBe(false);
  });
});
