// One fault of the state directory's filesystem (read-only, full, over quota) refuses every write of a guardian pass:
// its lock, its revive note, the daemon's log, state.json, pending-events.jsonl, guardian-pass.json. Each step said so
// in its own error line, six or so per pass, each naming the same cause. A person reads one line per cause: what it is,
// what it means, what to do; each refused write stays in the report's refusedWrites, word for word.

/** Codes of a whole filesystem's refusal, with what to do about it. */
const FILESYSTEM_CAUSES: Readonly<Record<string, { what: string; todo: string }>> = {
  EROFS: { what: 'is on a read-only file system (EROFS)', todo: 'remount it read-write (mount -o remount,rw <its mount point>) or give --state-dir a writable directory' },
  ENOSPC: { what: 'is on a full file system (ENOSPC)', todo: 'free space on its file system' },
  EDQUOT: { what: 'is over its disk quota (EDQUOT)', todo: 'free space or raise the quota of its owner' },
};

const CAUSE_PREFIX = 'the state directory ';

/** The report's parts this reads and rewrites. */
export interface RefusalReport {
  errors: string[];
  refusedWrites?: string[];
}

/** Pure: the filesystem cause a line names about a file in stateDir, undefined for any other line. */
function causeOf(line: string, stateDir: string): string | undefined {
  if (line.startsWith(CAUSE_PREFIX)) return undefined;
  if (!line.includes(stateDir.endsWith('/') ? stateDir : `${stateDir}/`)) return undefined;
  return Object.keys(FILESYSTEM_CAUSES).find((code) => new RegExp(`\\b${code}\\b`).test(line));
}

/** Pure: the state files a line names, as paths within stateDir (a temp file as the file it stands for). */
function filesNamed(line: string, stateDir: string): string[] {
  const dir = stateDir.replace(/\/+$/, '');
  const escaped = dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const out: string[] = [];
  for (const m of line.matchAll(new RegExp(`${escaped}/([^\\s':;),]+)`, 'g'))) {
    const rel = m[1]!
      .replace(/(^|\/)\.([^/]+?)\.\d+\.[0-9a-f]+\.tmp$/, '$1$2')
      .replace(/\.\d+\.[0-9a-f]+\.new$/, '')
      .replace(/\.tmp-\d+$/, '');
    if (!out.includes(rel)) out.push(rel);
  }
  return out;
}

/** Pure: what a refused write means, as the line says it after its refusal, led by the file or step it is about. */
function meaningOf(line: string, stateDir: string): string {
  // The refusal ends with Node's message ("EROFS: read-only file system, open '/s/x.tmp'") or diskRefusalText's code and room.
  const ends = [...line.matchAll(/E[A-Z]+: [^,']*, \w+ '[^']*'\)?|\(E[A-Z]+(?:, \w+)?\)(?:; its filesystem has [^:)]*?of [\d.]+ \w+)?\)?/g)];
  const last = ends[ends.length - 1];
  const step = /^([\w.-]+):? /.exec(line)?.[1];
  const about = /^[\w.-]+\.\w+$/.test(step ?? '') ? step! : (filesNamed(line, stateDir)[0] ?? step ?? 'a write');
  const rest = last ? line.slice(last.index! + last[0].length).replace(/^[):\s]+/, '').trim() : '';
  if (rest !== '') return `${about}: ${rest}`;
  return step !== undefined && !step.includes('.') ? `${step}: ${filesNamed(line, stateDir)[0] ?? 'a file'} not written` : '';
}

/**
 * Pure: the report with the lines of each filesystem cause refusing two writes or more in stateDir folded into one
 * line (where the first stood), those lines moved to refusedWrites. Asked again after more errors were added, the
 * cause's line is said anew over all its refusals, still once.
 */
export function foldDiskRefusals<R extends RefusalReport>(report: R, stateDir: string): R {
  const refused = [...(report.refusedWrites ?? [])];
  const byCause = new Map<string, string[]>();
  for (const line of refused) {
    const c = causeOf(line, stateDir);
    if (c) byCause.set(c, [...(byCause.get(c) ?? []), line]);
  }
  for (const line of report.errors) {
    const c = causeOf(line, stateDir);
    if (c) byCause.set(c, [...(byCause.get(c) ?? []), line]);
  }
  const folded = new Set([...byCause].filter(([, lines]) => lines.length >= 2).map(([c]) => c));
  if (folded.size === 0) return report;
  const errors: string[] = [];
  const said = new Set<string>();
  for (const line of report.errors) {
    const old = [...folded].find((c) => line.startsWith(`${CAUSE_PREFIX}${stateDir} ${FILESYSTEM_CAUSES[c]!.what}`));
    const c = old ?? causeOf(line, stateDir);
    if (c === undefined || !folded.has(c)) {
      errors.push(line);
      continue;
    }
    if (!old && !refused.includes(line)) refused.push(line);
    if (said.has(c)) continue;
    said.add(c);
    errors.push(c);
  }
  const causeLine = (code: string): string => {
    const lines = byCause.get(code)!;
    const files = [...new Set(lines.flatMap((l) => filesNamed(l, stateDir)))];
    const room = lines.map((l) => /its filesystem has [^:;)]*?of [\d.]+ \w+/.exec(l)?.[0]).find((x) => x !== undefined);
    const meanings = [...new Set(lines.map((l) => meaningOf(l, stateDir)).filter((m) => m !== ''))];
    const c = FILESYSTEM_CAUSES[code]!;
    return (
      `${CAUSE_PREFIX}${stateDir} ${c.what}${room ? ` (${room})` : ''}: ${lines.length} writes of this pass were refused (${files.join(', ')})` +
      (meanings.length > 0 ? `; so: ${meanings.join('; ')}` : '') +
      `; what to do: ${c.todo} (each refusal: refusedWrites)`
    );
  };
  return { ...report, errors: errors.map((e) => (folded.has(e) ? causeLine(e) : e)), refusedWrites: refused };
}
