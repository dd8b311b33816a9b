// A config the service has been seen healthy with becomes a restore point at once: no blind window after a start or an edit.
import { promises as fs } from 'node:fs';
import { detectFormat, parseConfigText, readServiceConfigFile, sha256 } from '../platform/config-file.js';
import { describeReadError } from '../platform/read-regular.js';
import type { DoctorContext } from './types.js';
import type { SnapshotEntry } from './snapshot-store.js';
import { checkFileFor } from './validity-cache.js';
import { redactedPlaceholders } from './redacted-placeholders.js';
import { recordIncludedFiles } from './included-snapshots.js';

/** When a service reads its config file: only at start, or live (it reloads an edit while running). */
export type ConfigReload = 'start' | 'live';

/** The service's reload mode: "live" as set, or for a service with an `openclaw` block (the gateway hot-reloads); else "start". */
export function configReloadOf(service: { configFile?: { reload?: ConfigReload } | undefined; openclaw?: unknown }): ConfigReload {
  return service.configFile?.reload ?? (service.openclaw ? 'live' : 'start');
}

export interface HealthWindow {
  /** Epoch ms of the first passing health verdict of the current instance. */
  healthySince: number;
  /**
   * Epoch ms the current instance started (its process's start): with reload "start", only content on disk by then can
   * be what it runs with. Default healthySince.
   */
  startedAt?: number;
  now: number;
  /**
   * Epoch ms of the newest passing probe check (any restart-action probe), when probes run; it tells
   * whether the service was seen healthy after the file last changed.
   */
  lastPassAt?: number;
  /**
   * Epoch ms of the newest check that found the config invalid (the gateway's "config reload failed" line, the config
   * probe): a live-reloading service that refused an edit runs on with the old config, so the edit was not seen healthy.
   */
  configInvalidAt?: number;
}

export interface LastKnownGoodResult {
  recorded: boolean;
  /** Why (not): "not seen healthy with this content yet", "unchanged", "invalid: ...", "holds a redacted placeholder ...", "recorded". */
  reason: string;
  entry?: SnapshotEntry;
}

/**
 * Pure: was the file's current content seen healthy? A service that reads its config only at start ran
 * with it only if it was on disk when the instance started: a later edit (even one made before the first
 * passing verdict) is seen healthy after a restart with it. For one that reloads live: content already
 * on disk when the healthy spell began was (the instance started with it, or hot-loaded it before passing).
 * Content written during the spell needs a passing probe check after the write, and no check since the write that
 * found the config invalid (a refused reload: the service runs on with the old content); a service without probes,
 * whose "healthy" is only "still up", waits doctor.snapshotAfter after the write instead.
 */
export function seenHealthyWith(win: HealthWindow, mtimeMs: number, settleMs: number, reload: ConfigReload = 'live'): boolean {
  if (reload === 'start') return mtimeMs <= Math.min(win.startedAt ?? win.healthySince, win.healthySince);
  if (mtimeMs <= win.healthySince) return true;
  if (win.configInvalidAt !== undefined && win.configInvalidAt >= mtimeMs) return false;
  if (win.lastPassAt !== undefined) return win.lastPassAt > mtimeMs;
  return win.now - mtimeMs >= settleMs;
}

/**
 * Records the config as last-known-good (content-addressed: the same bytes are stored once in a row)
 * on the first passing health verdict with it, when it also parses and validates. Cheap when nothing
 * changed: one stat, one read, one index read.
 */
export async function maybeRecordLastKnownGood(ctx: DoctorContext, win: HealthWindow): Promise<LastKnownGoodResult> {
  const spec = ctx.service.configFile;
  if (!spec) return { recorded: false, reason: 'no configFile' };

  let stat;
  let content: Buffer;
  try {
    stat = await fs.stat(spec.path);
    content = await readServiceConfigFile(spec.path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const missing = code === 'ENOENT' || code === 'ENOTDIR';
    return { recorded: false, reason: missing ? 'config file missing' : `config file unreadable: ${describeReadError(spec.path, err)}` };
  }
  const reload = configReloadOf(ctx.service);
  const seen = (mtimeMs: number): boolean => seenHealthyWith(win, mtimeMs, ctx.service.doctor.snapshotAfter, reload);
  if (!seen(stat.mtimeMs)) {
    return { recorded: false, reason: 'not seen healthy with this content yet' };
  }
  const sum = sha256(content);
  const format = detectFormat(spec.path, spec.format);
  // A split config is healthy as a set: its included files seen healthy with it are kept as well.
  const recordIncludes = async (bytes: Buffer): Promise<string[]> => {
    const p = parseConfigText(bytes.toString('utf8'), format);
    if (!p.ok) return [];
    const valid = async (): Promise<boolean> => {
      const c = await checkFileFor(ctx);
      return c.state === 'valid' && c.checksum === sum;
    };
    const saved = await recordIncludedFiles(ctx, spec.path, p.value, format, seen, valid);
    return saved.map((e) => e.sourcePath);
  };
  const latest = await ctx.snapshots.latest('last-known-good');
  if (latest?.sha256 === sum) {
    await recordIncludes(content);
    return { recorded: false, reason: 'unchanged', entry: latest };
  }

  const check = await checkFileFor(ctx);
  if (check.state !== 'valid') return { recorded: false, reason: `${check.state}: ${check.error ?? ''}`.trim() };
  if (check.checksum !== sum || !check.content) return { recorded: false, reason: 'config changed while it was being checked' };
  const parsed = parseConfigText(check.content.toString('utf8'), format);
  const masked = parsed.ok ? redactedPlaceholders(parsed.value) : [];
  if (masked.length > 0) return { recorded: false, reason: `holds a redacted placeholder instead of a secret at ${masked.slice(0, 5).join(', ')}` };

  const entry = await ctx.snapshots.save(check.content, {
    sourcePath: spec.path,
    reason: `seen healthy (healthy since ${new Date(win.healthySince).toISOString()})`,
    kind: 'last-known-good',
    mode: stat.mode & 0o7777,
    owner: { uid: stat.uid, gid: stat.gid },
  });
  const included = await recordIncludes(check.content);
  if (entry.deduplicated) return { recorded: false, reason: 'unchanged', entry };
  ctx.emit({
    type: 'config.snapshot',
    time: ctx.clock.now(),
    severity: 'info',
    service: ctx.service.name,
    message: `${ctx.service.name}: config saved as last-known-good (sha256 ${sum.slice(0, 12)}), seen healthy with it`,
    details: { path: spec.path, sha256: sum, size: entry.size, snapshot: entry.id, kind: entry.kind, ...(included.length > 0 ? { included } : {}) },
  });
  return { recorded: true, reason: 'recorded', entry };
}
