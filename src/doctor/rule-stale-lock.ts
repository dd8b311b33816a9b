// A lock file whose owner is provably gone blocks a start (the gateway's `gateway.*.lock`): move it to evidence.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { sha256 } from '../platform/config-file.js';
import { PID_FILE_MAX_BYTES, readRegularFile } from '../platform/read-regular.js';
import { expandPathGlob } from './path-glob.js';
import { judgeOwner, liveProcess, ownerInNestedPidNamespace, parseLock, type LiveProcess, type LockRecord, type OwnerVerdict } from './lock-owner.js';
import type { DoctorContext, Finding, RepairRule } from './types.js';
import { fileStamp } from '../platform/file-stamp.js';
import { writeNewFile } from '../platform/atomic-write.js';
import { mkdirRecursive } from '../platform/mkdir-cause.js';

export const STALE_LOCK = 'stale-lock';

export interface StaleLockOptions {
  /** Reads the process now holding a pid; tests may pass their own. */
  live?: (pid: number) => LiveProcess;
  /** Finds the owner in a nested pid namespace (its pid here); tests may pass their own. */
  nested?: (pid: number, startTime?: number) => number | undefined;
}

interface ReadLock {
  bytes: Buffer;
  record: LockRecord;
}

/** A lock file holds a pid and a few fields; a bigger file under a lock glob is not one and is never read whole or copied. */
async function readLock(file: string): Promise<ReadLock | undefined> {
  try {
    const [bytes, st] = await Promise.all([readRegularFile(file, { maxBytes: PID_FILE_MAX_BYTES }), fs.stat(file)]);
    return { bytes, record: parseLock(bytes.toString('utf8'), st.mtimeMs) };
  } catch {
    return undefined;
  }
}

/** Whether one of the lock patterns still expands to `file` (expandPathGlob's rules: lstat, links past a wildcard not followed). */
async function reachedByPattern(patterns: readonly string[], file: string): Promise<boolean> {
  for (const pattern of patterns) if ((await expandPathGlob(pattern)).includes(file)) return true;
  return false;
}

function fileOf(f: Finding): string {
  return f.id.slice(STALE_LOCK.length + 1);
}

/** Where a removed lock is kept: <stateDir>/evidence/locks/<service>/<time>-<name>. */
export function lockEvidenceDir(stateDir: string, service: string): string {
  return path.join(stateDir, 'evidence', 'locks', service);
}

/**
 * Writes the copy of a removed lock under a name no earlier copy has (`-1`, `-2`... on a clash): two locks of one name
 * in two directories (a glob over run dirs) removed within one clock reading shared a name, and the second copy
 * overwrote the first.
 */
export async function keepLockCopy(dir: string, name: string, bytes: Buffer): Promise<string> {
  for (let n = 0; n < 100; n++) {
    const target = path.join(dir, n === 0 ? name : `${name}-${n}`);
    try {
      await writeNewFile(target, bytes);
      return target;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  throw new Error(`could not find a free name for the copy of a removed lock in ${dir}`);
}

export function staleLockRule(opts: StaleLockOptions = {}): RepairRule {
  const live = opts.live ?? liveProcess;
  const nested = opts.nested ?? ownerInNestedPidNamespace;
  const verdictOf = (ctx: DoctorContext, rec: LockRecord): OwnerVerdict => {
    // The supervised instance and the daemon are alive by definition, whatever a start-time reading says.
    if (rec.pid !== undefined && (rec.pid === ctx.currentPid || rec.pid === ctx.daemonPid)) return { gone: false, reason: `pid ${rec.pid} is the live supervised instance` };
    const boot = ctx.clock.sinceBoot?.();
    const clocks = ctx.wallAnchor && boot !== undefined ? { anchor: ctx.wallAnchor, wall: ctx.clock.now(), boot } : undefined;
    const v = judgeOwner(rec, rec.pid === undefined ? { alive: false } : live(rec.pid), clocks);
    const here = v.gone && rec.pid !== undefined ? nested(rec.pid, rec.startTime) : undefined;
    return here === undefined ? v : { gone: false, reason: `pid ${rec.pid} is alive in another pid namespace (a container): pid ${here} here` };
  };
  return {
    id: STALE_LOCK,

    async detect(ctx) {
      const out: Finding[] = [];
      const seen = new Set<string>();
      for (const pattern of ctx.service.lockFiles) {
        for (const file of await expandPathGlob(pattern)) {
          if (seen.has(file)) continue;
          seen.add(file);
          const lock = await readLock(file);
          if (!lock) continue;
          const v = verdictOf(ctx, lock.record);
          if (!v.gone) continue;
          out.push({
            id: `${STALE_LOCK}:${file}`,
            rule: STALE_LOCK,
            severity: 'warning',
            title: 'stale lock file',
            evidence: `${file}: ${v.reason}`,
            fix: `move ${file} to ${lockEvidenceDir(ctx.stateDir, ctx.service.name)}`,
            fixable: true,
          });
        }
      }
      return out;
    },

    async fix(ctx, finding) {
      const file = fileOf(finding);
      const before = await fs.lstat(file).catch(() => undefined);
      if (!before) return { finding, applied: false, verified: true, message: `${file} is already gone` };
      // The path is checked again as detect took it (lstat, no link followed past a wildcard, the lock itself no link):
      // a directory swapped for a link since detect had the removal act on a lock elsewhere (another install's).
      if (!(await reachedByPattern(ctx.service.lockFiles, file))) {
        return { finding, applied: false, verified: false, message: `${file} left alone: no longer a regular file the lockFiles patterns reach without following a link (a directory or the lock replaced by a link since it was judged?)` };
      }
      const lock = await readLock(file);
      if (!lock) return { finding, applied: false, verified: true, message: `${file} is already gone` };
      // Judged again at the last moment: a new owner may have taken the lock since detect.
      const v = verdictOf(ctx, lock.record);
      if (!v.gone) return { finding, applied: false, verified: false, message: `${file} left alone: ${v.reason}` };
      const dir = lockEvidenceDir(ctx.stateDir, ctx.service.name);
      await mkdirRecursive(dir, 0o700);
      const kept = await keepLockCopy(dir, `${fileStamp(ctx.clock.now())}-${path.basename(file)}`, lock.bytes);
      // Removed only if it still holds the bytes judged (rename-then-compare would race the owner's own write).
      const again = await readRegularFile(file, { maxBytes: PID_FILE_MAX_BYTES }).catch(() => undefined);
      if (again && !again.equals(lock.bytes)) return { finding, applied: false, verified: false, message: `${file} changed while being judged; left alone (copy kept at ${kept})` };
      // The same file as the one checked (not a link or another file put in its place meanwhile).
      const now = await fs.lstat(file).catch(() => undefined);
      if (now && (!now.isFile() || now.dev !== before.dev || now.ino !== before.ino)) return { finding, applied: false, verified: false, message: `${file} was replaced while being judged; left alone (copy kept at ${kept})` };
      await fs.rm(file, { force: true });
      return {
        finding,
        applied: true,
        verified: false,
        message: `removed ${file} (${v.reason}); kept as ${kept}`,
        before: sha256(lock.bytes),
        details: { file, evidence: kept, pid: lock.record.pid ?? null, startTime: lock.record.startTime ?? null, reason: v.reason },
      };
    },

    async verify(ctx, finding) {
      const lock = await readLock(fileOf(finding));
      // Gone, or taken since by a live owner (a start that followed): either way no stale lock is left.
      return lock === undefined || !verdictOf(ctx, lock.record).gone;
    },
  };
}
