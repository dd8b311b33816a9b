// Signalling a child's whole process group (its workers too), falling back to the pid alone.

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
