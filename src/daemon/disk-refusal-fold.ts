// One fault of the state directory's filesystem (read-only, full, over quota) refuses every write of a guardian pass:
// its lock, its revive note, the daemon's log, state.json, pending-events.jsonl, guardian-pass.json. Each step said so
// in its own error line, six or so per pass, each naming the same cause. A person reads one short line per cause: what
// it is, the files, what each refusal costs, what to do; each refused write stays in the report's refusedWrites, word
// for word. Each step records its refusal as data where it is produced (diskRefusalOf: the error's code and path), and
// the fold reads that data, never the text of a line.
import path from 'node:path';
import { formatBytes } from '../probes/byte-size.js';
import { diskRoom, type DiskRoom } from '../platform/disk-room.js';

/** Codes of a whole filesystem's refusal. */
export type DiskFaultCode = 'EROFS' | 'ENOSPC' | 'EDQUOT';

/** Whose room is short, and what to do, for each code: a read-only disk is remounted, a full one is given room. */
const FILESYSTEM_CAUSES: Readonly<Record<DiskFaultCode, { what: string; todo: string }>> = {
  EROFS: { what: 'is on a read-only file system (EROFS)', todo: 'remount it read-write or use a writable --state-dir' },
  ENOSPC: { what: 'is on a full file system (ENOSPC)', todo: 'free space on its file system' },
  EDQUOT: { what: 'is over its disk quota (EDQUOT)', todo: 'free space or raise the quota of its owner' },
};

const CAUSE_PREFIX = 'the state directory ';

/** One write a fault of the state directory's filesystem refused, as the step that made it recorded it. */
export interface DiskRefusal {
  code: DiskFaultCode;
  /** The file within the state directory (a temp file as the file it stands for). */
  file: string;
  /** What the refusal costs, in a few words ("this pass runs without it"); absent: the file was not written. */
  so?: string;
  /** The room on its filesystem when it was refused (ENOSPC, EDQUOT). */
  room?: DiskRoom;
  /**
   * The error line the step said, word for word, while it stands in errors; the fold moves it to refusedWrites and
   * drops it here (a report said each refused write twice: in refusedWrites and in its diskRefusals entry).
   */
  line?: string;
}

/** The report's parts this reads and rewrites. */
export interface RefusalReport {
  errors: string[];
  refusedWrites?: string[];
  diskRefusals?: DiskRefusal[];
}

/** A temp or new file as the file it stands for: `.state.json.123.ab.tmp` is state.json; a log's generation its log (`logs/guardian.log.4`). */
function standsFor(rel: string): string {
  return rel
    .replace(/^(logs\/[^/]+\.log)\.\d+$/, '$1')
    .replace(/(^|\/)\.([^/]+?)\.\d+\.[0-9a-f]+\.tmp$/, '$1$2')
    .replace(/\.\d+\.[0-9a-f]+\.new$/, '')
    .replace(/\.tmp-\d+$/, '');
}

/**
 * The refusal an error is, from its code and path (no text read), when it is a whole filesystem's fault on a file in
 * stateDir (or on stateDir itself: `file` names it then); undefined for any other error. room: read at once for a disk
 * with no room.
 */
export function diskRefusalOf(
  err: unknown,
  stateDir: string,
  line: string,
  opts: { so?: string; file?: string; room?: (dir: string) => DiskRoom | undefined } = {},
): DiskRefusal | undefined {
  const e = err as NodeJS.ErrnoException | undefined;
  const code = e?.code;
  if (code !== 'EROFS' && code !== 'ENOSPC' && code !== 'EDQUOT') return undefined;
  const dir = path.resolve(stateDir);
  const at = typeof e!.path === 'string' ? path.resolve(dir, e!.path) : undefined;
  const rel = at !== undefined && at.startsWith(`${dir}${path.sep}`) ? standsFor(path.relative(dir, at)) : opts.file;
  if (rel === undefined || (at !== undefined && !at.startsWith(`${dir}${path.sep}`) && at !== dir)) return undefined;
  const room = code === 'EROFS' ? undefined : (opts.room ?? diskRoom)(at !== undefined ? path.dirname(at) : dir);
  return { code, file: rel, line, ...(opts.so ? { so: opts.so } : {}), ...(room ? { room } : {}) };
}

/** Says `line` in errors and records it as a refusal when err is one (diskRefusalOf). */
export function pushError(report: RefusalReport, stateDir: string, err: unknown, line: string, opts: { so?: string; file?: string } = {}): void {
  report.errors.push(line);
  const r = diskRefusalOf(err, stateDir, line, opts);
  if (r) report.diskRefusals = [...(report.diskRefusals ?? []), r];
}

/** Pure: the line of one cause over its refusals. */
function causeLine(stateDir: string, code: DiskFaultCode, refusals: readonly DiskRefusal[]): string {
  const files = [...new Set(refusals.map((r) => r.file))];
  const so = [...new Set(refusals.map((r) => `${r.file}: ${r.so ?? 'not written'}`))];
  const room = [...refusals].reverse().find((r) => r.room)?.room;
  const c = FILESYSTEM_CAUSES[code];
  const left = room ? ` (its filesystem has ${formatBytes(room.free)} free of ${formatBytes(room.size)})` : '';
  const writes = refusals.length === 1 ? '1 write of this pass was refused' : `${refusals.length} writes of this pass were refused`;
  return `${CAUSE_PREFIX}${stateDir} ${c.what}${left}: ${writes} (${files.join(', ')}); so: ${so.join('; ')}; to do: ${c.todo}`;
}

/**
 * Pure: the report with the refusals of each cause in stateDir (diskRefusals) said in one line (where the first stood),
 * one line per cause also for a lone refusal (it read as a plain error beside another cause's folded line), their lines
 * moved to refusedWrites (in the order of diskRefusals, each said once: the entry keeps its data, not the line). Asked
 * again after more errors were added, the cause's line is said anew over all its refusals, still once.
 */
export function foldDiskRefusals<R extends RefusalReport>(report: R, stateDir: string): R {
  const folded = new Map<DiskFaultCode, DiskRefusal[]>();
  for (const r of report.diskRefusals ?? []) folded.set(r.code, [...(folded.get(r.code) ?? []), r]);
  if (folded.size === 0) return report;
  const lineOf = new Map<string, DiskFaultCode>();
  for (const [code, rs] of folded) for (const r of rs) if (r.line !== undefined) lineOf.set(r.line, code);
  const said = (line: string): DiskFaultCode | undefined =>
    [...folded.keys()].find((code) => line.startsWith(`${CAUSE_PREFIX}${stateDir} ${FILESYSTEM_CAUSES[code].what}`));
  const refused = [...(report.refusedWrites ?? [])];
  const errors: string[] = [];
  const done = new Set<DiskFaultCode>();
  for (const line of report.errors) {
    const code = said(line) ?? lineOf.get(line);
    if (code === undefined) {
      errors.push(line);
      continue;
    }
    if (lineOf.has(line) && !refused.includes(line)) refused.push(line);
    if (done.has(code)) continue;
    done.add(code);
    errors.push(causeLine(stateDir, code, folded.get(code)!));
  }
  // A line no longer in errors (said by the fold) lives in refusedWrites alone.
  const diskRefusals = (report.diskRefusals ?? []).map((r) => {
    if (r.line === undefined || !refused.includes(r.line)) return r;
    const data: DiskRefusal = { ...r };
    delete data.line;
    return data;
  });
  return { ...report, errors, refusedWrites: refused, diskRefusals };
}
