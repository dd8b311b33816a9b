// The protected settings warned of as removed and not set again yet, kept beside the daemon's other state: held in memory
// only, a daemon restart while a token was missing forgot the warning, and the all-clear never came when it was set again.
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../platform/atomic-write.js';

const FILE = 'protected-removed.json';
/** Bounds: a hand-edited or damaged file cannot make the daemon hold or rewrite an unbounded map. */
const MAX_KEYS = 1_000;
const MAX_PATHS = 200;

export interface ProtectedRemovedStore {
  /** The open removals per key (service and config path); an empty map when the file is missing or unreadable. */
  load(): Promise<Map<string, string[]>>;
  /** Writes them atomically (temp file, fsync, rename). */
  save(open: ReadonlyMap<string, readonly string[]>): Promise<void>;
}

export function protectedRemovedStore(stateDir: string): ProtectedRemovedStore {
  const file = path.join(stateDir, FILE);
  return {
    async load() {
      const out = new Map<string, string[]>();
      const text = await fsp.readFile(file, 'utf8').catch(() => undefined);
      if (text === undefined) return out;
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return out;
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return out;
      for (const [key, paths] of Object.entries(parsed).slice(0, MAX_KEYS)) {
        if (!Array.isArray(paths)) continue;
        const list = paths.filter((p): p is string => typeof p === 'string' && p.length > 0).slice(0, MAX_PATHS);
        if (list.length > 0) out.set(key, list);
      }
      return out;
    },
    async save(open) {
      const entries = [...open].slice(0, MAX_KEYS).map(([k, v]) => [k, v.slice(0, MAX_PATHS)] as const);
      await writeFileAtomic(file, `${JSON.stringify(Object.fromEntries(entries), null, 2)}\n`);
    },
  };
}
