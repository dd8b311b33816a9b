// Why a daemon whose pid lives stopped beating, as far as the OS tells: "hung or stopped (SIGSTOP)" was said of a daemon
// that ran but had used all its open files (EMFILE), so it could neither write its heartbeat nor accept the CLI.
import { readFileSync, readdirSync } from 'node:fs';
import { readProcStat } from '../platform/proc.js';

export interface StaleFacts {
  /** Kernel state letter (proc(5)): T stopped, t traced, D uninterruptible I/O... */
  state?: string | undefined;
  /** Its open file descriptors now. */
  openFiles?: number | undefined;
  /** Its soft limit of open files (RLIMIT_NOFILE). */
  fileLimit?: number | undefined;
}

/** What /proc says of `pid` (on a host without /proc, only the state `ps` gives); a fact it cannot read is left out. */
export function readStaleFacts(pid: number): StaleFacts {
  const facts: StaleFacts = { state: readProcStat(pid)?.state };
  try {
    facts.openFiles = readdirSync(`/proc/${pid}/fd`).length;
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'));
    if (m) facts.fileLimit = Number(m[1]);
  } catch {
    // Not Linux, or another user's process: the state alone.
  }
  return facts;
}

/** Open files this close to the limit leave none for a heartbeat's temp file or an accepted connection. */
const FD_HEADROOM = 2;

/** Pure: the clause after "so" for a daemon `pid` with a stale heartbeat, from its facts. */
export function staleCause(pid: number, f: StaleFacts): string {
  if (f.state === 'T' || f.state === 't') return `it is stopped (process state ${f.state}: SIGSTOP, SIGTSTP or a debugger; \`kill -CONT ${pid}\` resumes it)`;
  if (f.openFiles !== undefined && f.fileLimit !== undefined && f.openFiles >= f.fileLimit - FD_HEADROOM) {
    return `it has used all its open files (${f.openFiles} open, limit ${f.fileLimit}: EMFILE): it can neither write its heartbeat nor accept a connection; raise its limit (LimitNOFILE=, ulimit -n) or find what holds them (ls -l /proc/${pid}/fd)`;
  }
  if (f.state === 'D') return `it is blocked in the kernel (process state D: a disk or network filesystem that does not answer)`;
  return 'it is hung or stopped (SIGSTOP)';
}
