// The state dir stays bounded: old Level 3 incident dirs (copies of up to 32 MiB each), update backups (the gateway's
// databases), removed lock files, drill reports, the logs of services no longer configured and the copies kept of
// broken files (state.json, scale.json and each service's config and its `$include`d files: `.corrupt-*`,
// `.doctor-undone-*`) are pruned, never an open incident's, never the newest few, never a recent one.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { DaemonPlugin } from './daemon.js';
import type { ServiceConfig } from '../config/schema.js';
import { includedFilesWithCopies } from '../doctor/included-snapshots.js';
import { DAEMON_LOG_NAMES } from '../config/log-file-clashes.js';
import { parseInstanceName } from '../instances/instance-name.js';
import { isStrictlyInside } from '../platform/path-inside.js';
import { DEAD_DIR } from '../notify/outbox-layout.js';

export interface RetentionPolicy {
  /** The newest this many entries of each place are always kept. */
  keep: number;
  /** Older entries beyond `keep` are removed once they are this old (by their modification time). */
  maxAgeMs: number;
}

export const DEFAULT_RETENTION: RetentionPolicy = { keep: 20, maxAgeMs: 30 * 24 * 3600_000 };
/** How often the sweep runs (also once shortly after start). */
export const RETENTION_SWEEP_EVERY_MS = 6 * 3600_000;
const FIRST_SWEEP_AFTER_MS = 60_000;

export interface AgedEntry {
  name: string;
  mtimeMs: number;
}

/** Pure: which entries to remove. Newest first, the first `keep` stay; of the rest, those older than maxAge go. */
export function expiredEntries(entries: readonly AgedEntry[], now: number, policy: RetentionPolicy, inUse: ReadonlySet<string> = new Set()): string[] {
  return [...entries]
    .sort((a, b) => b.mtimeMs - a.mtimeMs)
    .slice(Math.max(0, policy.keep))
    .filter((e) => now - e.mtimeMs > policy.maxAgeMs && !inUse.has(e.name))
    .map((e) => e.name);
}

/**
 * The entries of dir, by name, or by the key `group` gives a name (one entry per key, its newest file's time; a name
 * it gives no key is not the sweep's). Returns the entries and the names under each.
 */
async function aged(dir: string, group: (name: string) => string | undefined = (n) => n, regularOnly = false): Promise<{ entries: AgedEntry[]; names: Map<string, string[]> }> {
  const all = await fs.readdir(dir).catch(() => [] as string[]);
  const byKey = new Map<string, AgedEntry>();
  const names = new Map<string, string[]>();
  for (const name of all) {
    const key = group(name);
    if (key === undefined) continue;
    const st = await fs.lstat(path.join(dir, name)).catch(() => undefined);
    if (!st || (regularOnly && !st.isFile())) continue;
    const had = byKey.get(key);
    byKey.set(key, { name: key, mtimeMs: Math.max(had?.mtimeMs ?? -Infinity, st.mtimeMs) });
    names.set(key, [...(names.get(key) ?? []), name]);
  }
  return { entries: [...byKey.values()], names };
}

/** A drill's or chaos soak's report in drills/: its .md, .json (and chaos: .svg) are one run, kept or removed together. */
export function drillReportRun(name: string): string | undefined {
  return /^((?:drill|chaos)-.+)\.(?:md|json|svg)$/.exec(name)?.[1];
}

/** The labels of the copies Clawback keeps beside a broken file (`<file>.<label>-<time>`). */
export const EVIDENCE_COPY_LABELS = ['corrupt', 'doctor-undone'] as const;

/**
 * The copies the daemon keeps of its own files in the state dir, by what was wrong: `.corrupt-` (state.json, scale.json,
 * daemon.json), `.not-a-file-` (daemon.lock, token: moveAsideUnless), `.not-a-dir-` (logs), `.v<N>-` (a newer
 * Clawback's state.json). Returns the `<file>.<label>-` prefix a name is a copy under, or undefined.
 */
export function ownEvidencePrefix(name: string): string | undefined {
  return /^(.+?\.(?:corrupt|not-a-file|not-a-dir|v\d+)-)./.exec(name)?.[1];
}

/**
 * Something found in the place of one of the outbox's folders and moved aside (`outbox/<channel>.not-a-dir-<time>`,
 * `outbox/<channel>/dead.not-a-dir-<time>`): the `<name>.not-a-dir-` prefix it is a copy under, or undefined (the time
 * is required: a channel named like a copy is still a channel).
 */
export function folderStandInPrefix(name: string): string | undefined {
  return /^(.+\.not-a-dir-)\d{4}-\d\d-\d\dT/.exec(name)?.[1];
}

/**
 * The update records the daemon set aside in updates/ (`<svc>.in-flight.json.unreadable-*`: unreadable, moved aside once a
 * person started the service; `.orphan-*`: no supervised service owned it). Returns the `<record>.<label>-` prefix a
 * name is a copy under, or undefined.
 */
export function updateRecordEvidencePrefix(name: string): string | undefined {
  return /^(.+\.in-flight\.json\.(?:unreadable|orphan)-)./.exec(name)?.[1];
}

/** The copies kept beside `file` under one label: a name of that form is its own entry. */
function copiesOf(file: string, label: string): (name: string) => string | undefined {
  const prefix = `${path.basename(file)}.${label}-`;
  return (name) => (name.startsWith(prefix) && name.length > prefix.length ? name : undefined);
}

/**
 * The service whose output a file of <stateDir>/logs is (`<name>.log`, its rotations `<name>.log.<n>`, compressed
 * `.gz`); undefined for Clawback's own logs (daemon, guardian, the service manager's output) and anything else.
 */
export function serviceOfLog(name: string): string | undefined {
  const m = /^(.+)\.log(?:\.\d+)?(?:\.gz)?$/.exec(name);
  if (!m || DAEMON_LOG_NAMES.some((d) => d.toLowerCase() === m[1]!.toLowerCase())) return undefined;
  return m[1];
}

/**
 * The logs of services no longer configured, one entry per service: a configured service's, an instance's of a
 * configured service (`app:3`, scaled down today, up again tomorrow) and Clawback's own are never the sweep's.
 */
function removedServiceLogs(services: ReadonlySet<string>): (name: string) => string | undefined {
  return (name) => {
    const svc = serviceOfLog(name);
    if (svc === undefined || services.has(svc)) return undefined;
    const group = parseInstanceName(svc)?.group;
    return group !== undefined && services.has(group) ? undefined : svc;
  };
}

/** Subdirectories of dir (one level), e.g. updates/<service>. */
async function subdirs(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory()).map((e) => path.join(dir, e.name));
}

/**
 * Removes what the policy lets go of: <stateDir>/incidents/<id> (never an id in `openIncidents`),
 * updates/<service>/<run>, the update records set aside (`updates/<service>.in-flight.json.{unreadable,orphan}-*`), evidence/locks/<service>/<file>, evidence/backups/<service>/<file>, drills/<report run> (only the files a drill names so;
 * `keep` counts runs), and the copies of broken files: the daemon's own (ownEvidencePrefix: `state.json.corrupt-*`,
 * `daemon.lock.not-a-file-*`, `logs.not-a-dir-*`...), the outbox's unreadable alerts (`outbox/<channel>/[dead/]*.corrupt`),
 * what stood in its folders' places (`outbox/<channel>[/dead].not-a-dir-*`) and, beside each
 * of `configFiles` (the services' configs, symlinks resolved), the regular files `<file>.corrupt-*` and
 * `<file>.doctor-undone-*` (`keep` counts each file's copies of each label), and, when `services` (the names configured
 * or running) is given, the logs in <stateDir>/logs of services not among them (`keep` counts services, a service's
 * time is its newest file's). Returns the removed paths.
 */
export async function sweepState(stateDir: string, now: number, openIncidents: ReadonlySet<string>, policy: RetentionPolicy = DEFAULT_RETENTION, configFiles: readonly string[] = [], services?: ReadonlySet<string>): Promise<string[]> {
  const places: Array<{ dir: string; inUse: ReadonlySet<string>; group?: (name: string) => string | undefined; regularOnly?: boolean }> = [{ dir: path.join(stateDir, 'incidents'), inUse: openIncidents }];
  for (const d of await subdirs(path.join(stateDir, 'updates'))) places.push({ dir: d, inUse: new Set() });
  // The update records set aside beside the run dirs (each service's copies under each label kept and aged on their own).
  const updates = path.join(stateDir, 'updates');
  const recordPrefixes = new Set((await fs.readdir(updates).catch(() => [] as string[])).flatMap((n) => updateRecordEvidencePrefix(n) ?? []));
  for (const prefix of recordPrefixes) places.push({ dir: updates, inUse: new Set(), group: (n) => (n.startsWith(prefix) && n.length > prefix.length ? n : undefined) });
  for (const d of await subdirs(path.join(stateDir, 'evidence', 'locks'))) places.push({ dir: d, inUse: new Set() });
  for (const d of await subdirs(path.join(stateDir, 'evidence', 'backups'))) places.push({ dir: d, inUse: new Set() });
  places.push({ dir: path.join(stateDir, 'drills'), inUse: new Set(), group: drillReportRun });
  // Every kind of copy of the daemon's own files (each file's copies under each label kept and aged on their own).
  const prefixes = new Set((await fs.readdir(stateDir).catch(() => [] as string[])).flatMap((n) => ownEvidencePrefix(n) ?? []));
  for (const prefix of prefixes) places.push({ dir: stateDir, inUse: new Set(), group: (n) => (n.startsWith(prefix) && n.length > prefix.length ? n : undefined) });
  // An alert the outbox could not read, kept as `<alert>.corrupt` (one per alert, so never bounded by a name), and what
  // was found in a channel folder's or its dead/'s place (each folder's copies kept and aged on their own).
  const outbox = path.join(stateDir, 'outbox');
  for (const dir of [outbox, ...(await subdirs(outbox))]) {
    const standIns = new Set((await fs.readdir(dir).catch(() => [] as string[])).flatMap((n) => folderStandInPrefix(n) ?? []));
    for (const prefix of standIns) places.push({ dir, inUse: new Set(), group: (n) => (n.startsWith(prefix) && n.length > prefix.length ? n : undefined) });
  }
  for (const d of await subdirs(outbox)) {
    for (const dir of [d, path.join(d, DEAD_DIR)]) places.push({ dir, inUse: new Set(), group: (n) => (n.endsWith('.corrupt') ? n : undefined), regularOnly: true });
  }
  // Only the state dir's logs folder: a removed service's own `logs.dir` is the user's, and no longer known.
  if (services) places.push({ dir: path.join(stateDir, 'logs'), inUse: new Set(), group: removedServiceLogs(services), regularOnly: true });
  // In the user's directory: only the regular files Clawback wrote there (never a directory or a link of theirs).
  for (const file of new Set(configFiles)) {
    for (const label of EVIDENCE_COPY_LABELS) places.push({ dir: path.dirname(file), inUse: new Set(), group: copiesOf(file, label), regularOnly: true });
  }
  const removed: string[] = [];
  for (const { dir, inUse, group, regularOnly } of places) {
    const { entries, names } = await aged(dir, group, regularOnly);
    for (const key of expiredEntries(entries, now, policy, inUse)) {
      for (const name of names.get(key) ?? []) {
        const p = path.join(dir, name);
        await fs.rm(p, { recursive: true, force: true });
        removed.push(p);
      }
    }
  }
  return removed;
}

/**
 * The services' config files and the included files of split configs the doctor keeps copies of (it may restore them,
 * keeping `.corrupt-*` beside them), symlinks resolved as the doctor resolves them when it keeps a copy beside one.
 */
async function configFilesOf(stateDir: string, services: ReadonlyArray<Pick<ServiceConfig, 'name' | 'configFile'>> | undefined): Promise<string[]> {
  const out: string[] = [];
  for (const s of services ?? []) {
    if (!s.configFile) continue;
    // The service's snapshot dir, as snapshotStoreFor lays it out.
    const included = await includedFilesWithCopies(path.join(stateDir, 'snapshots', s.name));
    for (const file of [s.configFile.path, ...included]) out.push(await fs.realpath(file).catch(() => file));
  }
  return out;
}

/** How the sweep's event names a removed path: relative to the state dir when under it, as written or by its real path. */
export function shownRemoved(stateDir: string, realStateDir: string, p: string): string {
  for (const dir of [stateDir, realStateDir]) if (isStrictlyInside(dir, p)) return path.relative(dir, p);
  return p;
}

/**
 * Sweeps shortly after start, then every few hours; says what it removed in one event. The policy is the config's
 * `retention:` section unless given.
 */
export function retentionPlugin(given?: RetentionPolicy, opts: { firstAfterMs?: number; everyMs?: number } = {}): DaemonPlugin {
  return {
    name: 'retention',
    init(ctx, daemon) {
      // Read at each sweep: `clawback reload` replaces ctx.config.
      const policyNow = (): RetentionPolicy => {
        if (given) return given;
        const r = ctx.config.retention;
        return r ? { keep: r.keep, maxAgeMs: r.maxAge } : DEFAULT_RETENTION;
      };
      let timer: { cancel(): void } | undefined;
      let stopped = false;
      let running: Promise<void> | undefined;
      const sweep = async (): Promise<void> => {
        const open = new Set([...daemon.runtimes.values()].flatMap((rt) => rt.currentIncident()?.id ?? []));
        const policy = policyNow();
        try {
          // No config read (yet): which logs are a removed service's is not known, so none are.
          const services = ctx.config ? new Set([...ctx.config.services.map((s) => s.name), ...daemon.runtimes.keys()]) : undefined;
          const removed = await sweepState(ctx.stateDir, ctx.clock.now(), open, policy, await configFilesOf(ctx.stateDir, ctx.config?.services), services);
          if (removed.length === 0) return;
          // The config copies are found by their real paths: a state dir reached through a link still names them relative.
          const realStateDir = await fs.realpath(ctx.stateDir).catch(() => ctx.stateDir);
          const rel = removed.map((p) => shownRemoved(ctx.stateDir, realStateDir, p));
          ctx.emit({
            type: 'daemon.housekeeping',
            time: ctx.clock.now(),
            severity: 'info',
            message: `removed ${removed.length} old item(s) from the state dir (older than ${Math.round(policy.maxAgeMs / 86_400_000)} days, beyond the newest ${policy.keep} of each kind): ${rel.slice(0, 10).join(', ')}${rel.length > 10 ? ', …' : ''}`,
            details: { removed: rel },
          });
        } catch (err) {
          ctx.emit({ type: 'daemon.housekeeping', time: ctx.clock.now(), severity: 'warning', message: `state dir clean-up failed: ${(err as Error).message}`, details: { error: (err as Error).message } });
        }
      };
      const schedule = (ms: number): void => {
        if (stopped) return;
        timer = ctx.clock.setTimeout(() => {
          running = sweep().finally(() => {
            running = undefined;
            schedule(opts.everyMs ?? RETENTION_SWEEP_EVERY_MS);
          });
        }, ms);
      };
      schedule(opts.firstAfterMs ?? FIRST_SWEEP_AFTER_MS);
      return {
        stop: async () => {
          stopped = true;
          timer?.cancel();
          await running;
        },
      };
    },
  };
}
