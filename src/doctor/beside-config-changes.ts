// What a service doctor run changed beside the config (state databases, keys, migrated folders): a revert puts back only
// the config and its backups, so these are journaled as changes that stay.
import { promises as fs } from 'node:fs';
import path from 'node:path';

/** Levels below the config's directory looked at, and entries listed at most (a state dir can hold many sessions). */
const MAX_DEPTH = 2;
const MAX_ENTRIES = 2_000;
/** Names the doctor itself writes beside a file (evidence, undone repairs, check temps): not the run's changes. */
const OWN_MARKS = ['.corrupt-', '.doctor-undone-', '.clawback-check-', '.clawback-repair'];

/**
 * Relative path -> "dir" or "<size>:<mtimeNs>" of each entry, bounded in depth and count, leaving out `exclude` (Clawback's
 * own state dir, should it live there); undefined if the directory is not there.
 */
export type BesideListing = Map<string, string>;

export async function listBesideConfig(configPath: string, exclude: readonly string[] = []): Promise<BesideListing | undefined> {
  const root = path.dirname(path.resolve(configPath));
  const excluded = new Set(exclude.map((d) => path.resolve(d)));
  const out: BesideListing = new Map();
  const walk = async (rel: string, depth: number): Promise<void> => {
    const entries = await fs.readdir(path.join(root, rel), { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (out.size >= MAX_ENTRIES) return;
      const r = rel === '' ? e.name : path.join(rel, e.name);
      if (excluded.has(path.join(root, r))) continue;
      if (e.isDirectory()) {
        out.set(r, 'dir');
        if (depth < MAX_DEPTH) await walk(r, depth + 1);
      } else if (e.isFile()) {
        const st = await fs.stat(path.join(root, r), { bigint: true }).catch(() => undefined);
        if (st) out.set(r, `${st.size}:${st.mtimeNs}`);
      }
    }
  };
  try {
    await fs.access(root);
  } catch {
    return undefined;
  }
  await walk('', 0);
  return out;
}

/**
 * Pure: "created a, b; changed c; removed d" for the entries that differ between two listings, leaving out `skip`
 * (absolute paths the caller accounts for: the config tree, the backup chain) and the doctor's own evidence files.
 * Empty when nothing else changed.
 */
export function describeBesideChanges(configPath: string, before: BesideListing, after: BesideListing, skip: ReadonlySet<string>): string {
  const root = path.dirname(path.resolve(configPath));
  const counted = (rel: string): boolean => !skip.has(path.join(root, rel)) && !OWN_MARKS.some((m) => path.basename(rel).includes(m));
  const created = [...after.keys()].filter((r) => !before.has(r) && counted(r));
  const changed = [...after].filter(([r, v]) => before.has(r) && before.get(r) !== v && v !== 'dir' && counted(r)).map(([r]) => r);
  const removed = [...before.keys()].filter((r) => !after.has(r) && counted(r));
  const list = (xs: string[]): string => (xs.length > 8 ? `${xs.slice(0, 8).join(', ')} and ${xs.length - 8} more` : xs.join(', '));
  return [
    created.length > 0 ? `created ${list(created.sort())}` : '',
    changed.length > 0 ? `changed ${list(changed.sort())}` : '',
    removed.length > 0 ? `removed ${list(removed.sort())}` : '',
  ]
    .filter(Boolean)
    .join('; ');
}
