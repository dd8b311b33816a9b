// The daemon empties service logs in place itself (logs.keep: 0, a flood trim, a full disk): it counts those emptyings
// here, in memory, so the log probe learns of one without a syscall (its tail re-read misses a log refilled identically).

/** One log's emptyings by the daemon: under way now, and done so far. Read by the log probe at each tick. */
export interface LogEmptyingCount {
  readonly inFlight: number;
  readonly done: number;
}

interface Counter {
  inFlight: number;
  done: number;
}

/** Per log file, the daemon's emptyings of it (one object per file, kept for the daemon's life, read live). */
export class LogEmptyings {
  private readonly byFile = new Map<string, Counter>();

  /** The live count for `file` (the same object every time: the health watch hands it to the probe once). */
  of(file: string): LogEmptyingCount {
    let c = this.byFile.get(file);
    if (!c) this.byFile.set(file, (c = { inFlight: 0, done: 0 }));
    return c;
  }

  /**
   * Runs `work` (a rotation, trim or emptying of `file`) counted as under way; counted as done when `emptied` says its
   * result emptied the file. A failed one is not counted (the probe's own tail check still catches what it did).
   */
  async around<T>(file: string, work: () => Promise<T>, emptied: (result: T) => boolean): Promise<T> {
    const c = this.of(file) as Counter;
    c.inFlight++;
    try {
      const result = await work();
      if (emptied(result)) c.done++;
      return result;
    } finally {
      c.inFlight--;
    }
  }
}
