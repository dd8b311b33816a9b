// stopProcess signals only the process it judged: a pid freed by the stale instance and taken by a newcomer before the
// next poll is never SIGKILLed as "the instance that ignored SIGTERM".
import { afterEach, describe, expect, it } from 'vitest';
import { accessSync, constants } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { stopProcess } from '../../src/doctor/stop-process.js';
import { systemClock } from '../../src/platform/clock.js';
import { spawnMarked, type MarkedChild } from '../helpers/processes.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/pid-reuse.mjs', import.meta.url));

function canSteerPids(): boolean {
  try {
    accessSync('/proc/sys/kernel/ns_last_pid', constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

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
    const r = await stopProcess(pid, { clock: systemClock(), graceMs: 1_500, pollMs: 500 });
    const out = await parent.waitForStdout(/newcomer \d+|no-reuse/, 5_000);
    if (out.includes('no-reuse')) return; // another process took the pid first: nothing to judge
    expect(r).toMatchObject({ stopped: true, via: 'signal' });
    // The newcomer is still running: stopProcess sent it nothing.
    await new Promise((res) => setTimeout(res, 300));
    expect(parent.stdout()).not.toContain('newcomer ended');
  }, 20_000);
});
