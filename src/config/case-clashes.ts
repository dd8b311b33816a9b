// Service names become file names (logs/<name>.log, locks, learnings, fences): on a case-insensitive file system (macOS
// APFS by default) "Web" and "web" silently share them, so two services merge their logs and take each other's locks.
import { statSync, type Stats } from 'node:fs';
import path from 'node:path';
import type { ClawbackConfig } from './schema.js';
import { ConfigError, formatProblem, type ConfigProblem } from './errors.js';

export interface CaseClash {
  /** Index (in the file's services) of the later name and of the earlier one it folds onto. */
  index: number;
  earlier: number;
  name: string;
  earlierName: string;
}

/** Services whose names equal an earlier one's when case is ignored. */
export function caseClashes(declared: ClawbackConfig): CaseClash[] {
  const first = new Map<string, number>();
  const clashes: CaseClash[] = [];
  declared.services.forEach((s, i) => {
    const folded = s.name.toLowerCase();
    const earlier = first.get(folded);
    if (earlier === undefined) first.set(folded, i);
    else if (declared.services[earlier]!.name !== s.name) clashes.push({ index: i, earlier, name: s.name, earlierName: declared.services[earlier]!.name });
  });
  return clashes;
}

function swapCase(s: string): string {
  return [...s].map((c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase())).join('');
}

/**
 * Whether names in `dir` are case-insensitive, found without writing: the nearest existing path component with letters
 * is looked up with its case swapped (the same inode = insensitive). Undecided (no such component): by platform.
 */
export function caseInsensitiveDir(dir: string, platform: NodeJS.Platform = process.platform, stat: (p: string) => Stats = statSync): boolean {
  for (let p = path.resolve(dir); path.dirname(p) !== p; p = path.dirname(p)) {
    const base = path.basename(p);
    const swapped = swapCase(base);
    if (swapped === base) continue;
    let real: Stats;
    try {
      real = stat(p);
    } catch {
      continue; // not created yet: its parent's file system decides
    }
    try {
      const other = stat(path.join(path.dirname(p), swapped));
      return other.ino === real.ino && other.dev === real.dev;
    } catch {
      return false;
    }
  }
  return platform === 'darwin' || platform === 'win32';
}

/** The problem text of one clash, for an error (case-insensitive volume) or a warning (elsewhere). */
export function describeCaseClash(c: CaseClash, insensitive: boolean): string {
  const effect = 'would share one log file, state files and locks (their output merged, each taking the other\'s locks)';
  const where = insensitive ? `on this case-insensitive file system the two ${effect}` : `on a case-insensitive file system (macOS by default) the two ${effect}`;
  return `differs from services[${c.earlier}].name "${c.earlierName}" only in case: ${where}; expected names that differ in more than case`;
}

/**
 * Names equal but for case are refused where the state dir or a logs dir is case-insensitive (they would share files);
 * elsewhere they work and stay valid (refusing them would stop a working Linux daemon on upgrade), with a warning.
 */
export function caseWarnings(declared: ClawbackConfig, file: string, dirs: string[], insensitiveAt: (dir: string) => boolean = caseInsensitiveDir): string[] {
  const clashes = caseClashes(declared);
  if (clashes.length === 0) return [];
  const insensitive = dirs.some((d) => insensitiveAt(d));
  const problems: ConfigProblem[] = clashes.map((c) => ({ path: `services[${c.index}].name`, message: describeCaseClash(c, insensitive), value: c.name }));
  if (insensitive) throw new ConfigError(file, problems);
  return problems.map((p) => formatProblem(p));
}
