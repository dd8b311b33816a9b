// One view of the process tree shared by every memory probe: a single /proc scan per refresh, not one per probe.
import { closeSync, openSync, readSync } from 'node:fs';
import type { Clock } from './clock.js';
import { childrenFilesAvailable, hasProcFs, processParents, readLastPid, readProcStat, treeMembers as walkTree } from './proc.js';

/** How long a scan of /proc (pid -> parent) is reused for membership questions. */
export const TABLE_MAX_AGE_MS = 2000;
const PAGE_SIZE = 4096;
const MIN_RESCAN_MS = 250;
/** How long one read of the newest pid answers every probe that asks (20 probes ticking together read it once). */
const LAST_PID_MAX_AGE_MS = 100;

export class ProcessTable {
  private parents: Map<number, number> | undefined;
  private childrenOf: Map<number, number[]> | undefined;
  private builtAt = -Infinity;
  private readonly hasChildrenFiles: boolean;
  private readonly hasProc = hasProcFs();
  /** Reused for every statm read: the per-tick RSS read allocates no buffer. */
  private readonly buf = Buffer.alloc(128);
  /** Scans of /proc made so far (for tests and profiles). */
  scans = 0;
  /** Trees walked through the children files so far (for tests and profiles). */
  walks = 0;
  private readonly lastPidSource: () => number | undefined;
  private lastPidRead: { value: number | undefined; at: number } | undefined;

  constructor(
    private readonly clock: Clock,
    opts: { maxAgeMs?: number; useChildrenFiles?: boolean; lastPid?: () => number | undefined } = {},
  ) {
    this.maxAgeMs = opts.maxAgeMs ?? TABLE_MAX_AGE_MS;
    this.hasChildrenFiles = opts.useChildrenFiles ?? childrenFilesAvailable();
    this.lastPidSource = opts.lastPid ?? (this.hasProc ? readLastPid : () => undefined);
  }

  /**
   * A mark of process creation on this host: the newest pid handed out (undefined where it cannot be read). A tree
   * can gain a member (a child, or a reused pid) only when this changes, so an unchanged mark means the membership
   * read earlier still holds, apart from members that left (they read 0 RSS).
   */
  spawnMark(): number | undefined {
    const now = this.clock.monotonic();
    if (this.lastPidRead === undefined || now - this.lastPidRead.at >= LAST_PID_MAX_AGE_MS) this.lastPidRead = { value: this.lastPidSource(), at: now };
    return this.lastPidRead.value;
  }

  private readonly maxAgeMs: number;

  /**
   * The pid and its descendants. Where the kernel lists children (/proc/<pid>/task/<tid>/children)
   * the tree is walked from the root; elsewhere one shared scan of /proc answers every caller.
   */
  treeMembers(root: number): number[] {
    if (this.hasChildrenFiles || !this.hasProc) {
      this.walks++;
      return walkTree(root);
    }
    const now = this.clock.monotonic();
    const age = now - this.builtAt;
    // A root the last scan did not see (a new instance) forces a fresh scan, at most every 250 ms.
    if (this.parents === undefined || age >= this.maxAgeMs || (!this.parents.has(root) && age >= MIN_RESCAN_MS)) {
      this.parents = processParents();
      this.childrenOf = undefined;
      this.builtAt = now;
      this.scans++;
    }
    if (!this.parents.has(root)) return [];
    if (this.childrenOf === undefined) {
      const kids = new Map<number, number[]>();
      for (const [pid, ppid] of this.parents) {
        const list = kids.get(ppid);
        if (list) list.push(pid);
        else kids.set(ppid, [pid]);
      }
      this.childrenOf = kids;
    }
    const out = [root];
    for (let i = 0; i < out.length; i++) {
      for (const c of this.childrenOf.get(out[i]!) ?? []) if (!out.includes(c)) out.push(c);
    }
    return out;
  }

  /** Resident bytes of one pid from /proc/<pid>/statm (0 when gone or a zombie); `ps` without /proc. */
  rssBytes(pid: number): number {
    if (!this.hasProc) return readProcStat(pid)?.rssBytes ?? 0;
    let fd: number;
    try {
      fd = openSync(`/proc/${pid}/statm`, 'r');
    } catch {
      return 0;
    }
    try {
      const n = readSync(fd, this.buf, 0, this.buf.length, 0);
      // "size resident shared text lib data dt": the second number, in pages.
      let i = 0;
      while (i < n && this.buf[i] !== 0x20) i++;
      let pages = 0;
      for (i++; i < n; i++) {
        const c = this.buf[i]!;
        if (c < 0x30 || c > 0x39) break;
        pages = pages * 10 + (c - 0x30);
      }
      return pages * PAGE_SIZE;
    } catch {
      return 0;
    } finally {
      closeSync(fd);
    }
  }

  /** Summed RSS of the pids (gone ones count 0). */
  rssOfPids(pids: readonly number[]): number {
    let sum = 0;
    for (const pid of pids) sum += this.rssBytes(pid);
    return sum;
  }
}
