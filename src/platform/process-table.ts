// One view of the process tree shared by every memory probe: a single /proc scan per refresh, not one per probe.
import { closeSync, openSync, readSync } from 'node:fs';
import type { Clock } from './clock.js';
import { childrenFilesAvailable, hasProcFs, lastPidOf, processParents, readLastPid, readProcStat, treeMembers as walkTree } from './proc.js';

/** How long a scan of /proc (pid -> parent) is reused for membership questions. */
export const TABLE_MAX_AGE_MS = 2000;
const PAGE_SIZE = 4096;
const MIN_RESCAN_MS = 250;
/** How long one read of the newest pid answers every probe that asks (20 probes ticking together read it once). */
const LAST_PID_MAX_AGE_MS = 100;
/** A kept statm descriptor not read for this long is closed (its process left the trees, or its probe stopped). */
const KEPT_FD_IDLE_MS = 10_000;
/** At most this many statm descriptors are kept; past it, reads open and close as before (no fd exhaustion). */
export const MAX_KEPT_STATM_FDS = 1024;

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Already closed or never valid: nothing is held.
  }
}

export class ProcessTable {
  private parents: Map<number, number> | undefined;
  private childrenOf: Map<number, number[]> | undefined;
  private builtAt = -Infinity;
  private readonly hasChildrenFiles: boolean;
  private readonly hasProc = hasProcFs();
  /** Reused for every statm read: the per-tick RSS read allocates no buffer. */
  private readonly buf = Buffer.alloc(128);
  /**
   * Open /proc/<pid>/statm (and /proc/loadavg) descriptors, reread with pread: one syscall per read instead of
   * open, read and close (at 100 services the opens were 15 % of the daemon's JS time). A descriptor stays bound to
   * the process it was opened on: once that process is reaped it reads ESRCH, even if its pid is reused.
   */
  private readonly statmFds = new Map<number, { fd: number; usedAt: number }>();
  private sweptAt = 0;
  private loadavgFd: number | undefined;
  /** statm opens made so far (for tests and profiles). */
  statmOpens = 0;
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
    this.lastPidSource = opts.lastPid ?? (this.hasProc ? () => this.readLastPidKept() : () => undefined);
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
    const now = this.clock.monotonic();
    this.sweep(now);
    const kept = this.statmFds.get(pid);
    if (kept) {
      const n = this.pread(kept.fd);
      if (n >= 0) {
        kept.usedAt = now;
        return this.residentOf(n);
      }
      // The process it was opened on is gone (the pid may name another process now): open afresh.
      closeQuietly(kept.fd);
      this.statmFds.delete(pid);
    }
    let fd: number;
    try {
      fd = openSync(`/proc/${pid}/statm`, 'r');
      this.statmOpens++;
    } catch {
      return 0;
    }
    const n = this.pread(fd);
    if (n < 0 || this.statmFds.size >= MAX_KEPT_STATM_FDS) closeQuietly(fd);
    else this.statmFds.set(pid, { fd, usedAt: now });
    return n < 0 ? 0 : this.residentOf(n);
  }

  /** Descriptors kept open now (for tests). */
  get keptDescriptors(): number {
    return this.statmFds.size + (this.loadavgFd === undefined ? 0 : 1);
  }

  /** Closes every kept descriptor; the table still works after (it opens again on the next read). */
  close(): void {
    for (const { fd } of this.statmFds.values()) closeQuietly(fd);
    this.statmFds.clear();
    if (this.loadavgFd !== undefined) closeQuietly(this.loadavgFd);
    this.loadavgFd = undefined;
  }

  private sweep(now: number): void {
    if (now - this.sweptAt < KEPT_FD_IDLE_MS) return;
    this.sweptAt = now;
    for (const [pid, kept] of this.statmFds) {
      if (now - kept.usedAt < KEPT_FD_IDLE_MS) continue;
      closeQuietly(kept.fd);
      this.statmFds.delete(pid);
    }
  }

  /** Bytes read from offset 0 into buf, or -1 (ESRCH once the process is reaped, or any other error). */
  private pread(fd: number): number {
    try {
      return readSync(fd, this.buf, 0, this.buf.length, 0);
    } catch {
      return -1;
    }
  }

  /** statm is "size resident shared text lib data dt": the second number, in pages. */
  private residentOf(n: number): number {
    let i = 0;
    while (i < n && this.buf[i] !== 0x20) i++;
    let pages = 0;
    for (i++; i < n; i++) {
      const c = this.buf[i]!;
      if (c < 0x30 || c > 0x39) break;
      pages = pages * 10 + (c - 0x30);
    }
    return pages * PAGE_SIZE;
  }

  /** readLastPid on a kept /proc/loadavg descriptor ("0.34 0.88 0.81 1/90 26102": the last field). */
  private readLastPidKept(): number | undefined {
    if (this.loadavgFd === undefined) {
      try {
        this.loadavgFd = openSync('/proc/loadavg', 'r');
      } catch {
        return readLastPid();
      }
    }
    const n = this.pread(this.loadavgFd);
    if (n <= 0) {
      closeQuietly(this.loadavgFd);
      this.loadavgFd = undefined;
      return readLastPid();
    }
    return lastPidOf(this.buf.toString('latin1', 0, n));
  }

  /** Summed RSS of the pids (gone ones count 0). */
  rssOfPids(pids: readonly number[]): number {
    let sum = 0;
    for (const pid of pids) sum += this.rssBytes(pid);
    return sum;
  }
}
