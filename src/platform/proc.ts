// Facts about live processes (alive, state, start time, tree RSS) read from /proc, with a `ps` fallback elsewhere.
import { readFileSync, readdirSync, existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { lstartEnv, parseLstartUtc } from './ps-lstart.js';

const HAS_PROC = existsSync('/proc/self/stat');

/** `ps` is only the fallback where /proc is missing (macOS): child_process is loaded then, not by every CLI command. */
function ps(args: string[], env?: NodeJS.ProcessEnv): string {
  const { execFileSync } = createRequire(import.meta.url)('node:child_process') as typeof import('node:child_process');
  return execFileSync('ps', args, { encoding: 'utf8', ...(env ? { env } : {}) });
}

export interface ProcStat {
  pid: number;
  ppid: number;
  pgid: number;
  /** Kernel state letter: R running, S sleeping, D disk, T stopped, t traced, Z zombie, X dead. */
  state: string;
  /** Start time in clock ticks since boot (stable identity for a pid, recycled pids differ). */
  startTime: number;
  /** utime + stime in clock ticks. */
  cpuTicks: number;
  rssBytes: number;
}

const PAGE_SIZE = 4096;

/**
 * Proportional set size of one process from /proc/<pid>/smaps_rollup (Linux 4.14+): its resident pages, each shared
 * page divided among the processes sharing it. Undefined where it cannot be read (no such file, gone, no permission).
 * The kernel walks the page tables for it (milliseconds for a large process): not for every tick.
 */
export function readPssBytes(pid: number): number | undefined {
  if (!HAS_PROC) return undefined;
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'latin1'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** True where /proc is readable (Linux). */
export function hasProcFs(): boolean {
  return HAS_PROC;
}

/** True when this kernel lists children in /proc/<pid>/task/<tid>/children (CONFIG_PROC_CHILDREN). */
export function childrenFilesAvailable(): boolean {
  return HAS_PROC && existsSync(`/proc/self/task/${process.pid}/children`);
}

/** The newest pid this pid namespace handed out: the last field of /proc/loadavg ("0.34 0.88 0.81 1/90 26102"). */
export function readLastPid(): number | undefined {
  try {
    return lastPidOf(readFileSync('/proc/loadavg', 'latin1'));
  } catch {
    return undefined;
  }
}

/** The last pid in the text of /proc/loadavg; undefined when it does not parse. */
export function lastPidOf(loadavg: string): number | undefined {
  const n = parseInt(loadavg.slice(loadavg.lastIndexOf(' ') + 1), 10);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

/** pid -> parent pid of every process, from one scan of /proc (empty without /proc). */
export function processParents(): Map<number, number> {
  const out = new Map<number, number>();
  if (!HAS_PROC) return out;
  for (const entry of readdirSync('/proc')) {
    const c = entry.charCodeAt(0);
    if (c < 0x30 || c > 0x39) continue;
    let text: string;
    try {
      text = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // "pid (comm) state ppid ...": the comm may hold spaces and parentheses, so start after the last ')'.
    const close = text.lastIndexOf(')');
    const ppidStart = text.indexOf(' ', close + 2) + 1;
    out.set(Number(entry), parseInt(text.slice(ppidStart, text.indexOf(' ', ppidStart)), 10));
  }
  return out;
}

/**
 * /proc/<pid>/stat from field 3 (state) on: the command name may hold spaces and parentheses, so after the last ')'.
 * Undefined when it cannot be read; `onUnreadable` hears when that is not the pid being gone (ENOENT, ESRCH) but this
 * process failing to read it (EMFILE, ENFILE, ENOMEM): out of descriptors, a live process must not look dead.
 */
function statAfterComm(pid: number | string, onUnreadable?: () => void): string | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ESRCH') onUnreadable?.();
    return undefined;
  }
  return text.slice(text.lastIndexOf(')') + 2);
}

export function readProcStat(pid: number): ProcStat | undefined {
  if (!HAS_PROC) return readPsStat(pid);
  const rest = statAfterComm(pid);
  if (rest === undefined) return undefined;
  const fields = rest.split(' ');
  // fields[0] is field 3 (state) of proc(5).
  const num = (i: number): number => Number(fields[i - 3]);
  return {
    pid,
    state: fields[0] ?? '?',
    ppid: num(4),
    pgid: num(5),
    cpuTicks: num(14) + num(15),
    startTime: num(22),
    rssBytes: num(24) * PAGE_SIZE,
  };
}

/** `ps` facts of one pid (the fallback without /proc; exported for tests on hosts that have /proc). */
export function readPsStat(pid: number): ProcStat | undefined {
  try {
    return parsePsStatLine(pid, ps(['-o', 'pid=,ppid=,pgid=,state=,rss=,lstart=', '-p', String(pid)], lstartEnv()));
  } catch {
    return undefined;
  }
}

/**
 * Pure: one line of `ps -o pid=,ppid=,pgid=,state=,rss=,lstart=` as printed in the C locale and UTC (lstartEnv), the
 * start in epoch ms. Undefined when the start does not parse: a made-up start (0 for every process) would make any
 * process that later holds the pid look like the recorded one, and a start read in a reader's zone or locale would
 * differ between two readers (the daemon under launchd, `clawback doctor` in a shell) for the same process.
 */
export function parsePsStatLine(pid: number, line: string): ProcStat | undefined {
  const parts = line.trim().split(/\s+/);
  if (parts.length < 6) return undefined;
  const startTime = parseLstartUtc(parts.slice(5).join(' '));
  if (startTime === undefined) return undefined;
  return {
    pid,
    ppid: Number(parts[1]),
    pgid: Number(parts[2]),
    state: (parts[3] ?? '?').charAt(0),
    rssBytes: Number(parts[4]) * 1024,
    startTime,
    cpuTicks: 0,
  };
}

/** kill(pid, 0) finds the pid (EPERM counts: it exists, it is another user's). */
function signalFinds(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True when the pid exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  let otherUsers = false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
    otherUsers = true;
  }
  if (!HAS_PROC) {
    const stat = readPsStat(pid);
    return !stat || (stat.state !== 'Z' && stat.state !== 'X');
  }
  let unreadable = false;
  const rest = statAfterComm(pid, () => {
    unreadable = true;
  });
  // The signal found it and /proc could not be read (the daemon out of descriptors): alive, as far as anyone can tell.
  // Another user's process under /proc's hidepid=1/2 has no entry at all (ENOENT) though the signal found it (EPERM):
  // alive too, unless a second signal no longer finds it (it exited in between).
  if (rest === undefined) return unreadable || (otherUsers && signalFinds(pid));
  return rest.charAt(0) !== 'Z' && rest.charAt(0) !== 'X';
}

export function processStartTime(pid: number): number | undefined {
  return readProcStat(pid)?.startTime;
}

/** USER_HZ, the unit of /proc start times: 100 on every mainstream Linux ABI (what getconf CLK_TCK prints). */
const USER_HZ = 100;

/**
 * Epoch ms at which a process with this start time (processStartTime's value) started: boot time plus its ticks on
 * Linux, the value itself where ps gave it (epoch ms already); undefined when the boot time cannot be read.
 */
export function startTimeEpochMs(startTime: number): number | undefined {
  if (!HAS_PROC) return startTime;
  try {
    const m = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'latin1'));
    return m ? Number(m[1]) * 1000 + (startTime / USER_HZ) * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether the recorded process still runs: 'gone' only when it is known to be (no such pid, a zombie, another start
 * time), 'unknown' when its start time cannot be read right now (the daemon out of descriptors). A watcher keeps
 * watching on 'unknown'; anything that signals a pid needs 'same' (isSameProcess).
 */
export function sameProcess(pid: number, startTime: number | undefined | null): 'same' | 'gone' | 'unknown' {
  if (!isAlive(pid)) return 'gone';
  if (startTime === undefined || startTime === null) return 'same';
  if (!HAS_PROC) {
    // ps running but its start unreadable is not "another process": unknown, as when /proc cannot be read.
    const now = processStartTime(pid);
    return now === undefined ? 'unknown' : now === startTime ? 'same' : 'gone';
  }
  let unreadable = false;
  const rest = statAfterComm(pid, () => {
    unreadable = true;
  });
  if (rest === undefined) return unreadable ? 'unknown' : 'gone';
  // fields[0] is field 3 (state) of proc(5); the start time is field 22.
  return Number(rest.split(' ')[22 - 3]) === startTime ? 'same' : 'gone';
}

/** Same process as recorded earlier (pid alive and start time unchanged), guarding against recycled pids. */
export function isSameProcess(pid: number, startTime: number | undefined | null): boolean {
  if (!isAlive(pid)) return false;
  if (startTime === undefined || startTime === null) return true;
  return processStartTime(pid) === startTime;
}

/** The pid and all its descendants (via ppid links). */
export function processTree(rootPid: number): ProcStat[] {
  if (!HAS_PROC) {
    const s = readProcStat(rootPid);
    return s ? [s] : [];
  }
  const all: ProcStat[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const s = readProcStat(Number(entry));
    if (s) all.push(s);
  }
  const byParent = new Map<number, ProcStat[]>();
  for (const s of all) {
    const list = byParent.get(s.ppid) ?? [];
    list.push(s);
    byParent.set(s.ppid, list);
  }
  const root = all.find((s) => s.pid === rootPid);
  if (!root) return [];
  const out: ProcStat[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const s = queue.shift()!;
    out.push(s);
    queue.push(...(byParent.get(s.pid) ?? []));
  }
  return out;
}

/**
 * False only when no process at all is in the group (kill(-pgid, 0) says ESRCH): then the scan of every
 * /proc/<pid>/stat below (1,600 processes on a busy machine, tens of ms) is not needed. Zombies still
 * count as group members for kill(), so "true" means "scan to know".
 */
function groupMayExist(pgid: number): boolean {
  if (!Number.isInteger(pgid) || pgid <= 1) return true;
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** State letter and process group of one pid from /proc/<pid>/stat, without splitting the whole line. */
function statStateAndGroup(pid: string): { state: string; pgid: number } | undefined {
  // "state ppid pgrp ...", without splitting the whole line.
  const rest = statAfterComm(pid);
  if (rest === undefined) return undefined;
  const pgidStart = rest.indexOf(' ', 2) + 1;
  return { state: rest.charAt(0), pgid: parseInt(rest.slice(pgidStart, rest.indexOf(' ', pgidStart)), 10) };
}

/** Members of a process group (for stop: the whole group is signalled). */
export function processGroupMembers(pgid: number): number[] {
  if (!HAS_PROC) return [];
  if (!groupMayExist(pgid)) return [];
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    const c = entry.charCodeAt(0);
    if (c < 0x30 || c > 0x39) continue;
    const s = statStateAndGroup(entry);
    if (s && s.pgid === pgid && s.state !== 'Z') out.push(Number(entry));
  }
  return out;
}

/**
 * Whether any process of the group still holds resources: a member that is not a zombie, or a zombie leader
 * whose other threads are still exiting (a multi-threaded process killed with SIGKILL shows its leader as Z
 * while the last thread still frees its memory and, after that, closes its sockets).
 */
export function processGroupHolding(pgid: number): boolean {
  if (!HAS_PROC) return false;
  if (!groupMayExist(pgid)) return false;
  for (const entry of readdirSync('/proc')) {
    const c = entry.charCodeAt(0);
    if (c < 0x30 || c > 0x39) continue;
    const s = statStateAndGroup(entry);
    if (!s || s.pgid !== pgid) continue;
    if (s.state !== 'Z') return true;
    try {
      for (const tid of readdirSync(`/proc/${entry}/task`)) {
        const t = readFileSync(`/proc/${entry}/task/${tid}/stat`, 'utf8');
        if (t.slice(t.lastIndexOf(')') + 2, t.lastIndexOf(')') + 3) !== 'Z') return true;
      }
    } catch {
      // gone meanwhile
    }
  }
  return false;
}

/** readFileSync's options as an object: a string is copied into a new options object on every read (tree walks read one file per thread). */
const UTF8: { readonly encoding: 'utf8' } = Object.freeze({ encoding: 'utf8' });

/** Appends the child pids from /proc/<pid>/task/<tid>/children to `out` (cheap: no scan of every process); false when unreadable. */
function pushChildrenOf(pid: number, out: number[]): boolean {
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${tid}/children`, UTF8);
      // Most threads have no children: an empty file needs no trim or split.
      if (text.length === 0) continue;
      for (const c of text.trim().split(' ')) if (c !== '') out.push(Number(c));
    }
    return true;
  } catch {
    return false;
  }
}

/**
 * A process and all its descendants (pids), via the children files, else a scan of /proc. A root whose task
 * directory cannot be read (gone, hidden, no children files) gets the scan, as an existsSync before the walk did.
 */
export function treeMembers(rootPid: number): number[] {
  if (HAS_PROC) {
    const out: number[] = [];
    const queue = [rootPid];
    for (let i = 0; i < queue.length; i++) {
      const pid = queue[i]!;
      if (out.includes(pid)) continue;
      out.push(pid);
      if (!pushChildrenOf(pid, queue)) return processTree(rootPid).map((s) => s.pid);
    }
    return out;
  }
  return processTree(rootPid).map((s) => s.pid);
}

/** Summed RSS of the given pids (gone ones count 0). */
export function rssOfPids(pids: readonly number[]): number {
  let sum = 0;
  for (const pid of pids) sum += readProcStat(pid)?.rssBytes ?? 0;
  return sum;
}

/** RSS of a process and all its descendants; sampled often, so it avoids scanning all of /proc. */
export function treeRssBytes(rootPid: number): number {
  if (HAS_PROC && existsSync(`/proc/${rootPid}/task`)) {
    let sum = 0;
    const queue = [rootPid];
    const seen = new Set<number>();
    while (queue.length > 0) {
      const pid = queue.shift()!;
      if (seen.has(pid)) continue;
      seen.add(pid);
      const stat = readProcStat(pid);
      if (!stat) continue;
      sum += stat.rssBytes;
      if (!pushChildrenOf(pid, queue)) return processTree(rootPid).reduce((acc, s) => acc + s.rssBytes, 0);
    }
    return sum;
  }
  return processTree(rootPid).reduce((sum, s) => sum + s.rssBytes, 0);
}

/** The command line of a pid, for reports ("who holds the port"). */
export function commandLine(pid: number): string | undefined {
  try {
    if (HAS_PROC) return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    return ps(['-o', 'command=', '-p', String(pid)]).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The pids /proc lists now, but `exceptPid` (none where /proc cannot be listed). */
export function listedPids(exceptPid?: number): number[] {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const dir of names) {
    const c = dir.charCodeAt(0);
    if (c < 0x30 || c > 0x39) continue;
    const pid = Number(dir);
    if (pid !== exceptPid) out.push(pid);
  }
  return out;
}

/**
 * Pids of live processes whose initial environment holds exactly `NAME=value` (Linux /proc; none elsewhere, and none
 * of another user's processes): one read of each process's environment, searched as bytes.
 */
export function pidsWithEnv(name: string, value: string, exceptPid = process.pid): number[] {
  if (!HAS_PROC) return [];
  const entry = Buffer.from(`${name}=${value}\0`);
  const out: number[] = [];
  for (const pid of listedPids(exceptPid)) {
    let env: Buffer;
    try {
      env = readFileSync(`/proc/${pid}/environ`);
    } catch {
      continue; // another user's process, or gone meanwhile
    }
    // The variable is one NUL-terminated entry: at the start, or right after a NUL (not the tail of `OTHER_NAME=`).
    let at = env.indexOf(entry);
    while (at > 0 && env[at - 1] !== 0) at = env.indexOf(entry, at + 1);
    if (at >= 0) out.push(pid);
  }
  return out;
}

/**
 * Pids of live processes of this user whose soft limit named `limit` (a row of /proc/<pid>/limits, e.g. "Max realtime
 * timeout") is exactly `soft` (Linux /proc; none elsewhere). Limits pass to every child whatever its env or session.
 */
export function pidsWithSoftLimit(limit: string, soft: number, exceptPid = process.pid): number[] {
  if (!HAS_PROC) return [];
  const want = new RegExp(`^${limit.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s+${soft}\\s`, 'm');
  const uid = process.getuid?.();
  const out: number[] = [];
  for (const pid of listedPids(exceptPid)) {
    try {
      if (!want.test(readFileSync(`/proc/${pid}/limits`, 'utf8'))) continue;
      // limits are world-readable: only this user's processes count.
      if (uid !== undefined && statSync(`/proc/${pid}`).uid !== uid) continue;
    } catch {
      continue; // gone meanwhile
    }
    out.push(pid);
  }
  return out;
}

/** One variable of a live process's initial environment (Linux /proc; undefined where unreadable). */
export function environOf(pid: number, name: string): string | undefined {
  try {
    const prefix = `${name}=`;
    const entry = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').find((e) => e.startsWith(prefix));
    return entry?.slice(prefix.length);
  } catch {
    return undefined;
  }
}
