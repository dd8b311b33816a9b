// stopProcess signals only the process it judged: a pid freed by the stale instance and taken by a newcomer before the
// next poll is never SIGKILLed as "the instance that ignored SIGTERM".
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fileURLToPath } from 'node:url';
import { stopProcess } from '../../src/doctor/stop-process.js';
import { systemClock } from '../../src/platform/clock.js';
import { spawnMarked, type MarkedChild } from '../helpers/processes.js';
import { canSteerPids } from '../helpers/pid-steer.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/pid-reuse.mjs', import.meta.url));

let parent: MarkedChild | undefined;
afterEach(() => {
  parent?.kill();
  parent = undefined;
});

describe('stopProcess and a reused pid', () => {
  it.skipIf(!canSteerPids())('a newcomer that took the stale instance\'s pid after its exit is left running', async () => {
    parent = spawnMarked(process.execPath, [FIXTURE]);
    const pid = Number(/stale (\d+)/.exec(await parent.waitForStdout(/stale \d+/, 10_000))![1]);
    // Polled every 500 ms: the exit and the pid's reuse (milliseconds apart) fall between two looks, as they may on any poll.
    // Every signal stopProcess sends, recorded (and still sent): on a CI machine whose pids wrap, another test's
    // stale handle may kill the newcomer too, so "was it killed?" alone would not say who did it.
    const sent: Array<[number, string | number | undefined]> = [];
    const kill = process.kill.bind(process);
    const spy = vi.spyOn(process, 'kill').mockImplementation((target: number, signal?: string | number) => {
      sent.push([target, signal]);
      return kill(target, signal);
    });
    let r;
    try {
      r = await stopProcess(pid, { clock: systemClock(), graceMs: 1_500, pollMs: 500 });
    } finally {
      spy.mockRestore();
    }
    const out = await parent.waitForStdout(/newcomer \d+|no-reuse/, 5_000);
    if (out.includes('no-reuse')) return; // another process took the pid first: nothing to judge
    expect(r).toMatchObject({ stopped: true, via: 'signal' });
    // The stale instance got its SIGTERM (its group: it leads one); the newcomer that took its pid got nothing.
    expect(sent.filter(([, s]) => s !== 0 && s !== undefined)).toEqual([[-pid, 'SIGTERM']]);
  }, 20_000);
});
