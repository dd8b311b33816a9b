// A process of the run that has exited but is not reaped yet (a zombie: the tmux pane's launcher, reparented to an init
// that reaps late) runs nothing: it is not reported as a process the agent left running.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { endAgentLeftovers, runLimitMark } from '../../src/emergency/agent-leftovers.js';
import { systemClock } from '../../src/platform/clock.js';

let parent: ChildProcess | undefined;

afterEach(() => {
  parent?.kill('SIGKILL');
  parent = undefined;
});

function zombieChildOf(pid: number): number | undefined {
  try {
    const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    return kids.find((k) => readFileSync(`/proc/${k}/stat`, 'utf8').split(') ')[1]?.startsWith('Z'));
  } catch {
    return undefined;
  }
}

describe('Level 3 leftovers: zombies are not counted', () => {
  it.skipIf(process.platform !== 'linux')('a marked child that exited, unreaped by its parent, is not named as left running', async () => {
    const marker = path.join(os.tmpdir(), `clawback-zombie-${process.pid}`);
    // The child carries the run's RLIMIT_RTTIME mark, exits at once; its parent execs a sleep that never reaps it.
    parent = spawn('prlimit', [`--rttime=${runLimitMark(marker)}:`, 'sh', '-c', 'sh -c "exit 0" & exec sleep 30'], { stdio: 'ignore' });
    const clock = systemClock();
    let zombie: number | undefined;
    for (let i = 0; i < 200 && zombie === undefined; i++) {
      await clock.sleep(25);
      zombie = zombieChildOf(parent.pid!);
    }
    expect(zombie).toBeGreaterThan(0);
    const ended = await endAgentLeftovers(marker, clock, 500);
    // (the sleeping parent carries the mark too: it is a live leftover and is ended)
    expect(ended).not.toContain(zombie);
    expect(ended).toContain(parent.pid);
  }, 20_000);
});
