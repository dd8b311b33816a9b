// A config that has run healthy for a while is worth keeping: it becomes the restore point for broken configs.
import { promises as fs } from 'node:fs';
import { sha256 } from '../platform/config-file.js';
import type { DoctorContext } from './types.js';
import type { SnapshotEntry } from './snapshot-store.js';
import { checkConfigFile } from './config-validity.js';
import { runnerOf } from './command-runner.js';

export interface HealthWindow {
  /** Epoch ms since which the service has been continuously healthy. */
  healthySince: number;
  now: number;
}

export interface LastKnownGoodResult {
  recorded: boolean;
  /** Why (not): "not healthy long enough", "unchanged", "invalid: ...", "recorded". */
  reason: string;
  entry?: SnapshotEntry;
}

/**
 * Records the config as last-known-good when the service has been healthy for doctor.snapshotAfter
 * with the file as it is now (so the window starts at the later of healthySince and the file's mtime),
 * the bytes are new, and they parse and validate. Cheap when nothing changed: one stat, one read.
 */
export async function maybeRecordLastKnownGood(ctx: DoctorContext, win: HealthWindow): Promise<LastKnownGoodResult> {
  const spec = ctx.service.configFile;
  if (!spec) return { recorded: false, reason: 'no configFile' };
  const after = ctx.service.doctor.snapshotAfter;
  if (win.now - win.healthySince < after) return { recorded: false, reason: 'not healthy long enough' };

  let stat;
  let content: Buffer;
  try {
    stat = await fs.stat(spec.path);
    content = await fs.readFile(spec.path);
  } catch {
    return { recorded: false, reason: 'config file missing' };
  }
  if (win.now - Math.max(win.healthySince, stat.mtimeMs) < after) {
    return { recorded: false, reason: 'config changed recently; not healthy long enough with it' };
  }
  const sum = sha256(content);
  const latest = await ctx.snapshots.latest('last-known-good');
  if (latest?.sha256 === sum) return { recorded: false, reason: 'unchanged', entry: latest };

  const check = await checkConfigFile(ctx.service, runnerOf(ctx));
  if (check.state !== 'valid') return { recorded: false, reason: `${check.state}: ${check.error ?? ''}`.trim() };
  if (check.checksum !== sum || !check.content) return { recorded: false, reason: 'config changed while it was being checked' };

  const entry = await ctx.snapshots.save(check.content, {
    sourcePath: spec.path,
    reason: `healthy for ${Math.round((win.now - win.healthySince) / 1000)} s`,
    kind: 'last-known-good',
    mode: stat.mode & 0o7777,
  });
  if (entry.deduplicated) return { recorded: false, reason: 'unchanged', entry };
  ctx.emit({
    type: 'config.snapshot',
    time: ctx.clock.now(),
    severity: 'info',
    service: ctx.service.name,
    message: `${ctx.service.name}: config saved as last-known-good (sha256 ${sum.slice(0, 12)})`,
    details: { path: spec.path, sha256: sum, size: entry.size, snapshot: entry.id, kind: entry.kind },
  });
  return { recorded: true, reason: 'recorded', entry };
}
