// Signalling a child's whole process group (its workers too), falling back to the pid alone.
import { readProcStat } from './proc.js';

/** Sends `signal` to the group led by `pid`, else to the pid; false when neither exists any more. */
export function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, signal);
      return true;
    } catch {
      // ESRCH: the group is gone; try the pid alone, then give up.
    }
  }
  return false;
}

/** A group leader as it was learned: its pid and /proc start time (undefined when it could not be read then). */
export interface LeaderRef {
  pid: number;
  startTime: number | undefined;
}

/** Who holds ref's pid now: its process (a zombie too), nobody, or another process (or one that cannot be read). */
export function holderOf(ref: LeaderRef): 'same' | 'free' | 'other' {
  const now = readProcStat(ref.pid);
  if (now !== undefined) return ref.startTime !== undefined && now.startTime === ref.startTime ? 'same' : 'other';
  try {
    process.kill(ref.pid, 0);
    return 'other'; // there, but unreadable (out of descriptors): not provably ours
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH' ? 'free' : 'other';
  }
}

/**
 * signalGroup for a leader learned earlier, which may have died since: while it lives, its group (else itself); once
 * its pid is free, what is left of its group (Linux hands out no number still used as a group id); once another
 * process holds the pid, nothing: that group and that pid are the newcomer's (pid_max is 32768 on many machines).
 */
export function signalGroupOf(ref: LeaderRef, signal: NodeJS.Signals): boolean {
  const who = holderOf(ref);
  const targets = who === 'same' ? [-ref.pid, ref.pid] : who === 'free' ? [-ref.pid] : [];
  for (const target of targets) {
    try {
      process.kill(target, signal);
      return true;
    } catch {
      // ESRCH: gone meanwhile
    }
  }
  return false;
}

/** A child process of ours as node's ChildProcess shows it: exitCode/signalCode are set the moment it is reaped. */
export interface OwnChild {
  readonly pid?: number | undefined;
  readonly exitCode: number | null;
  readonly signalCode: NodeJS.Signals | null;
}

/**
 * signalGroup for a child of ours: until it is reaped its pid cannot be reused, so the group (else the pid) is signalled
 * without a /proc read; once reaped, as signalGroupOf a dead leader: only what is left of its group, never a newcomer.
 */
export function signalChildGroup(child: OwnChild, signal: NodeJS.Signals): boolean {
  if (child.pid === undefined) return false;
  if (child.exitCode === null && child.signalCode === null) return signalGroup(child.pid, signal);
  return signalGroupOf({ pid: child.pid, startTime: undefined }, signal);
}
