// The member's lease id kept across daemon restarts, so the next daemon can take its own lease over instead of waiting it out.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../platform/atomic-write.js';
import { mkdirRecursive } from '../platform/mkdir-cause.js';

/** Who granted the lease: a lease is taken over only by the same member of the same cluster (prefix). */
export interface SavedLease {
  member: string;
  prefix: string;
  leaseId: string;
}

export interface LeaseStore {
  load(): SavedLease | null;
  save(lease: SavedLease): Promise<void>;
}

export function leaseFile(stateDir: string): string {
  return path.join(stateDir, 'cluster', 'lease.json');
}

export function fileLeaseStore(file: string): LeaseStore {
  return {
    load: () => {
      try {
        const d = JSON.parse(readFileSync(file, 'utf8')) as Partial<SavedLease>;
        return typeof d.member === 'string' && typeof d.prefix === 'string' && typeof d.leaseId === 'string' && /^\d+$/.test(d.leaseId) ? { member: d.member, prefix: d.prefix, leaseId: d.leaseId } : null;
      } catch {
        return null;
      }
    },
    save: async (lease) => {
      await mkdirRecursive(path.dirname(file), 0o700);
      await writeFileAtomic(file, JSON.stringify(lease) + '\n', { mode: 0o600 });
    },
  };
}
