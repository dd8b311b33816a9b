// The tests' own kill helpers and a reused pid: pid_max is 32768 on CI machines, so a pid a test recorded may name
// another test's process by the time a cleanup signals it. killTree(ref) signals only the process the test learned.
import { afterEach, describe, expect, it } from 'vitest';
import { isRunning, killTree, pidRef, signalProcess, spawnMarked, waitFor, type MarkedChild } from './processes.js';
import { canSteerPids, startOnPid } from './pid-steer.js';

const IDLE = ['-e', 'setInterval(() => {}, 1e9)'];
/** Prints the pid of a child of its own group (not detached), then idles: a group that outlives its leader's kill. */
const WITH_MEMBER = ['-e', "const c = require('node:child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e9)'], { stdio: 'ignore' }); console.log(c.pid); setInterval(() => {}, 1e9)"];

/** What killTree(pid) did before it took a PidRef: the group pid leads, else pid alone, whoever holds the number now. */
function killTreeByNumber(pid: number): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
      return;
    } catch {
      // not a group leader, or gone
    }
  }
}

const children: MarkedChild[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) {
    c.kill();
    await c.waitForExit(5000).catch(() => undefined);
  }
});

function start(args: string[] = IDLE): MarkedChild {
  const c = spawnMarked(process.execPath, args);
  children.push(c);
  return c;
}

describe('killTree and a pid learned earlier', () => {
  it.skipIf(!canSteerPids())('leaves alone the process (and group) that took the pid after the learned one exited; the bare pid killed it', async () => {
    const stale = start();
    const ref = pidRef(stale.pid);
    stale.kill();
    await stale.waitForExit(5000);
    const newcomer = startOnPid(stale.pid, start);
    if (!newcomer) return; // another process took the pid each time: nothing to judge
    expect(isRunning(ref)).toBe(false);

    killTree(ref);
    killTree(ref, 'SIGTERM');
    expect(signalProcess(ref, 'SIGKILL')).toBe(false);
    stale.kill(); // the old handle's own kill, too
    await new Promise((r) => setTimeout(r, 300));
    expect(newcomer.exitInfo(), 'the newcomer was signalled through a stale pid').toBeUndefined();

    // The number alone, as cleanups held it: the stranger is SIGKILLed.
    killTreeByNumber(stale.pid);
    expect(await newcomer.waitForExit(5000)).toEqual({ code: null, signal: 'SIGKILL' });
  }, 30_000);

  it('kills the live process\'s whole group, and once its leader is gone, what is left of the group', async () => {
    const live = start(WITH_MEMBER);
    const member = Number((await live.waitForStdout(/^\d+\n/)).trim());
    const memberRef = pidRef(member);
    const ref = pidRef(live.pid);
    expect(ref.leader).toBe(true);
    expect(memberRef.leader).toBe(false);
    expect(isRunning(memberRef)).toBe(true);

    // The leader alone goes (a crash): its group, and the member in it, is still the test's to clean up.
    process.kill(live.pid, 'SIGKILL');
    await live.waitForExit(5000);
    expect(isRunning(memberRef)).toBe(true);
    killTree(ref);
    await waitFor(() => !isRunning(memberRef), { timeoutMs: 5000, message: 'the leftover group member to be killed' });
  });

  it('a pid read from a file with the start time the product recorded names that process only', async () => {
    const c = start();
    const ref = pidRef(c.pid);
    expect(isRunning(pidRef(c.pid, ref.startTime))).toBe(true);
    // Recorded for another process (another start time): the live holder of the number is not signalled.
    const other = pidRef(c.pid, ref.startTime! - 1);
    expect(isRunning(other)).toBe(false);
    expect(signalProcess(other, 'SIGKILL')).toBe(false);
    killTree(other);
    await new Promise((r) => setTimeout(r, 200));
    expect(c.exitInfo()).toBeUndefined();
    killTree(ref);
    expect(await c.waitForExit(5000)).toEqual({ code: null, signal: 'SIGKILL' });
  });
});
