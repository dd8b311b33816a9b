// The copies the daemon keeps of its own broken files in the state dir (state.json.corrupt-*, daemon.lock.not-a-file-*,
// logs.not-a-dir-*, updates/<svc>.in-flight.json.unreadable-* and .orphan-*, outbox/<channel>[/dead].not-a-dir-*,
// outbox/<channel>/[dead/]*.corrupt): `clawback doctor` said nothing of them, so a person running it never read that
// the daemon had set anything aside, nor where.
// Read-only: names are listed (lstat, never a file opened, never a link followed out of the state dir).
import { lstatSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { folderStandInPrefix, ownEvidencePrefix, updateRecordEvidencePrefix } from '../daemon/state-retention.js';
import { DEAD_DIR } from '../notify/outbox-layout.js';

export interface StateEvidence {
  /** The state dir they are in. */
  dir: string;
  /** Their paths, oldest first (by modification time, then name). */
  files: string[];
}

/** The names in dir, or none when it is not a real directory (a link, a file, missing, unreadable). */
function namesIn(dir: string): string[] {
  try {
    if (!lstatSync(dir).isDirectory()) return [];
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function mtimeOf(p: string): number {
  try {
    return lstatSync(p).mtimeMs;
  } catch {
    return 0;
  }
}

/** The evidence copies of the daemon's own files under stateDir. */
export function stateEvidence(stateDir: string): StateEvidence {
  const found: string[] = [];
  for (const n of namesIn(stateDir)) {
    if (ownEvidencePrefix(n) !== undefined || /\.unreadable-./.test(n)) found.push(path.join(stateDir, n));
  }
  const updates = path.join(stateDir, 'updates');
  for (const n of namesIn(updates)) if (updateRecordEvidencePrefix(n) !== undefined) found.push(path.join(updates, n));
  const outbox = path.join(stateDir, 'outbox');
  for (const ch of namesIn(outbox)) {
    // Something else in a channel folder's (or its dead/'s) place, moved aside (outbox/<channel>[/dead].not-a-dir-<time>).
    if (folderStandInPrefix(ch) !== undefined) {
      found.push(path.join(outbox, ch));
      continue;
    }
    const channel = path.join(outbox, ch);
    for (const n of namesIn(channel)) if (n.endsWith('.corrupt') || folderStandInPrefix(n) !== undefined) found.push(path.join(channel, n));
    const dead = path.join(channel, DEAD_DIR);
    for (const n of namesIn(dead)) if (n.endsWith('.corrupt')) found.push(path.join(dead, n));
  }
  const at = new Map(found.map((f) => [f, mtimeOf(f)]));
  found.sort((a, b) => at.get(a)! - at.get(b)! || a.localeCompare(b));
  return { dir: stateDir, files: found };
}

/** How many shown by name in the doctor's text (all of them in --json). */
const SHOWN = 5;

/** The doctor's line(s) for them, or none when there are none. */
export function stateEvidenceLines(ev: StateEvidence): string[] {
  const n = ev.files.length;
  if (n === 0) return [];
  const shown = ev.files.slice(-SHOWN).map((f) => `  ${path.relative(ev.dir, f)}`);
  const more = n > SHOWN ? ` (the ${SHOWN} newest below)` : '';
  return [
    `state dir ${ev.dir} keeps ${n} evidence cop${n === 1 ? 'y' : 'ies'} of the daemon's own broken files, set aside by the daemon${more}; read them, then remove them when done:`,
    ...shown,
  ];
}
