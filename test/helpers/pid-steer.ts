// Tests of pid reuse (pid_max wraps on CI): as root, the next pid is steered through /proc/sys/kernel/ns_last_pid so a
// newcomer takes exactly the pid a process just freed.
import { accessSync, constants, writeFileSync } from 'node:fs';
import type { MarkedChild } from './processes.js';

const NS_LAST_PID = '/proc/sys/kernel/ns_last_pid';

/** This process may steer the next pid (root, a writable ns_last_pid); tests that need it are skipped otherwise. */
export function canSteerPids(): boolean {
  try {
    accessSync(NS_LAST_PID, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** /proc start times count clock ticks of 10 ms (USER_HZ 100): a wait of two makes the newcomer's start time its own. */
const TICK_WAIT_MS = 20;

/**
 * Starts processes with `start` until one holds exactly `pid` (at most `tries`, the others killed at once); undefined
 * when another process on the machine took the pid each time (the caller then has nothing to judge).
 * It first lets two clock ticks pass: a newcomer started in the same tick as the pid's old holder would share its pid
 * and its start time, and so be that process to anything that judges identity (a real pid wrap takes far longer).
 */
export function startOnPid(pid: number, start: () => MarkedChild, tries = 50): MarkedChild | undefined {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, TICK_WAIT_MS);
  for (let i = 0; i < tries; i++) {
    writeFileSync(NS_LAST_PID, String(pid - 1));
    const c = start();
    if (c.pid === pid) return c;
    c.kill();
  }
  return undefined;
}
