// A run whose daemon died recorded no end: the pre-run snapshots of later runs in the same state dir say what it left.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { FileSnapshot } from './file-snapshot.js';

/** Incident dirs looked at, and later snapshots read: bounded however many incidents the state dir keeps. */
const MAX_INCIDENTS = 2000;
const MAX_LATER = 50;

/**
 * For each file that a later run snapshotted before it started (another service's run in the
 * same folder, after the dead run's lock was taken over), its content then (sha256; null: absent): what the dead run
 * left. A file whose content is not that any more was changed by someone after it (that later run, kept): the revert
 * leaves it. The earliest later snapshot of a file counts. A snapshot whose run recorded another fingerprint is not used.
 */
export async function leftByDeadRun(stateDir: string, incidentDir: string): Promise<Record<string, string | null>> {
  const own = path.resolve(incidentDir);
  const ownAt = await mtimeOf(path.join(own, 'before', 'manifest.json'));
  if (ownAt === undefined) return {};
  const incidents = path.resolve(stateDir, 'incidents');
  const names = (await fs.readdir(incidents).catch(() => [] as string[])).slice(0, MAX_INCIDENTS);
  const later: Array<{ at: number; dir: string }> = [];
  for (const name of names) {
    const dir = path.join(incidents, name);
    if (dir === own) continue;
    const at = await mtimeOf(path.join(dir, 'before', 'manifest.json'));
    if (at !== undefined && at > ownAt) later.push({ at, dir });
  }
  later.sort((a, b) => a.at - b.at);
  const out: Record<string, string | null> = {};
  for (const { dir } of later.slice(0, MAX_LATER)) {
    const text = await fs.readFile(path.join(dir, 'before', 'manifest.json'), 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    const recorded = await fs.readFile(path.join(dir, 'agent-run.json'), 'utf8').then((t) => (JSON.parse(t) as { manifestSha256?: unknown }).manifestSha256, () => undefined);
    if (typeof recorded === 'string' && recorded !== createHash('sha256').update(text).digest('hex')) continue;
    let next: FileSnapshot;
    try {
      next = JSON.parse(text) as FileSnapshot;
    } catch {
      continue;
    }
    for (const e of Array.isArray(next.entries) ? next.entries : []) {
      if (typeof e?.path !== 'string' || Object.hasOwn(out, e.path)) continue;
      // A link's own target is not fingerprinted: left to the revert as before.
      if (typeof e.link === 'string') continue;
      if (e.absent) out[e.path] = null;
      else if (typeof e.sha256 === 'string') out[e.path] = e.sha256;
    }
  }
  return out;
}

async function mtimeOf(file: string): Promise<number | undefined> {
  return fs.stat(file).then((st) => st.mtimeMs, () => undefined);
}
