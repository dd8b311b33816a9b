// One update of one service: install beside, validate, stop, back up, switch, start, watch, and roll back when it does not hold.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ServiceConfig } from '../config/schema.js';
import type { ClawbackEvent, Severity } from '../observe/events.js';
import type { Clock } from '../platform/clock.js';
import type { CommandRunner } from '../doctor/types.js';
import { serviceEnv } from '../config/service-env.js';
import { VersionStore, checkVersionName } from './version-store.js';
import { formatPlan, holdBlocker, includesRefusal, installSpec, planUpdate, validateArgv, watchVerdict, type ReducerHold, type StepName, type UpdatePlan, type WatchVerdict } from './update-plan.js';
import { checkBackupRoom, readBackup, restoreBackup, takeBackup, type BackupManifest, type RestoreReport } from './state-backup.js';
import type { UpdateConfig } from './update-schema.js';
import { clearInFlight, markRollingBack, writeInFlight, type UpdateInFlight } from './update-in-flight.js';
import { cutSnippet } from '../platform/cut-text.js';
import { detectFormat, parseConfigText } from '../platform/config-file.js';
import { protectedChanges, protectedPatterns } from '../doctor/protected-settings.js';
import { describeIncludeProblems, directlyIncludedFiles, readIncludes, resolvedConfig, resolveIncludes, type IncludeProblem } from '../platform/config-includes.js';

/** What an update needs of the service's runtime: requests to its reducer and the facts it reports. */
export interface UpdateTarget {
  service: ServiceConfig;
  request(action: 'start' | 'stop', by: 'human'): Promise<{ ok: boolean; message: string }>;
  /**
   * A rollback's restore is over (`current` back on the old version): its outcome goes to the reducer, which starts the
   * service when every file is back and holds it (Level 4, the files named) when some are not.
   */
  restored(runId: string, failed: Array<{ file: string; error: string }>): Promise<{ ok: boolean; message: string }>;
  /** The reducer's phase (running, stopped, backoff, held...). */
  phase(): string;
  /** The health verdict of the running instance ("healthy", ...). */
  health(): string;
  /** The daemon's events (service.exited of this service are the crash-loop evidence). */
  subscribe(listener: (e: ClawbackEvent) => void): () => void;
  /** Who holds the service in maintenance, if anyone: an update never begins to touch a service in maintenance. */
  maintenanceBy?(): string | null;
  /** The reducer's hold and work in flight: a held service is updated only with `force` (holdBlocker). */
  hold?(): ReducerHold;
}

export interface UpdateDeps {
  clock: Clock;
  stateDir: string;
  emit(e: ClawbackEvent): void;
  runner: CommandRunner;
  /** One readiness check; default an HTTP GET expecting 200 (2 s bound). */
  ready?: (url: string) => Promise<boolean>;
  /** Between readiness checks during the watch; default 1 s. */
  pollMs?: number;
  signal?: AbortSignal;
  by?: string;
}

export interface StepRecord {
  step: StepName | 'rollback' | 'resolve';
  ok: boolean;
  message: string;
  ms: number;
}

export type UpdateOutcome = 'succeeded' | 'rolled-back' | 'failed' | 'blocked' | 'dry-run';

export interface UpdateReport {
  runId: string;
  service: string;
  from: string | null;
  to: string;
  outcome: UpdateOutcome;
  message: string;
  plan: UpdatePlan;
  steps: StepRecord[];
  totalMs: number;
  /** Rollback only: how long from the decision to roll back to the old version being ready again. */
  rollbackMs?: number;
  /** Rollback only: whether the old version was ready again within the watch bound. */
  healthyAfterRollback?: boolean;
  backupDir?: string;
}

export function versionsDirOf(service: ServiceConfig, stateDir: string): string {
  return service.update?.dir ?? path.join(stateDir, 'versions', service.name);
}

/** The readiness URL: update.readyUrl, else the probe named "readiness", else the first http probe. */
export function readyUrlOf(service: ServiceConfig): string | undefined {
  if (service.update?.readyUrl) return service.update.readyUrl;
  const http = service.probes.filter((p) => p.kind === 'http') as Array<{ name?: string; url: string }>;
  return (http.find((p) => p.name === 'readiness') ?? http[0])?.url;
}

export async function httpReady(url: string): Promise<boolean> {
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await r.body?.cancel();
    return r.status === 200;
  } catch {
    return false;
  }
}

function installEnv(service: ServiceConfig, u: UpdateConfig): Record<string, string> {
  const env = serviceEnv(service);
  if (u.pathPrefix.length > 0) env.PATH = [...u.pathPrefix, env.PATH ?? ''].join(path.delimiter);
  return env;
}

/** Resolves VERSION when none is given: `npm view <package> version` (the registry's latest). */
export async function latestVersion(u: UpdateConfig, service: ServiceConfig, runner: CommandRunner, signal?: AbortSignal): Promise<string | { error: string }> {
  const r = await runner([...u.npm, 'view', u.package, 'version', ...u.installArgs.filter((a) => a.startsWith('--registry'))], { timeoutMs: 60_000, env: installEnv(service, u), ...(signal ? { signal } : {}) });
  const v = r.stdout.trim().split('\n').pop()?.trim() ?? '';
  if (r.code !== 0 || !v) return { error: `npm view ${u.package} version failed: ${cutSnippet((r.error ?? r.stderr).trim(), 300) || `exit ${r.code}`}` };
  return v;
}

/**
 * The config as the service reads it: the main file and the files it includes (`$include`, followed as OpenClaw does),
 * as they are now. A split config is backed up and put back as a set: a token kept in an included file is the
 * config's as much as one in the main file.
 */
export async function configFilesOf(service: ServiceConfig): Promise<ConfigFiles> {
  const spec = service.configFile;
  if (!spec) return { files: [], included: [], skipped: [], refused: [] };
  const format = detectFormat(spec.path, spec.format);
  const text = await fs.readFile(spec.path, 'utf8').catch(() => undefined);
  const parsed = text === undefined ? undefined : parseConfigText(text, format);
  const read = parsed?.ok ? await readIncludes(spec.path, parsed.value, format) : { files: [], problems: [] };
  // readIncludes says what OpenClaw refuses (outside the config's folder, circular, too deep, over 2 MiB, hard-linked...),
  // the preflight's and the doctor's rule too. A file read in the config's folder is backed up (its bytes are the
  // config's, parsed or not); one not read, or outside the folder, is not, and is named, so neither the plan nor the
  // backup claims more than it copies and a rollback never writes out of the config's folder.
  const outside = new Set(read.problems.filter((p) => p.kind === 'outside').map((p) => p.file));
  const included = read.files.map((f) => f.file).filter((f) => !outside.has(f));
  const skipped = read.problems.filter((p) => !included.includes(p.file));
  // What the start after the switch would be refused on for certain, and so would the rollback's.
  const refused = read.problems;
  return { files: [spec.path, ...included], included, skipped, refused };
}

export interface ConfigFiles {
  /** The main config file and the included files read: what a backup copies. */
  files: string[];
  included: string[];
  /** Included files that could not be read, with why: not backed up, so not put back by a rollback. */
  skipped: IncludeProblem[];
  /** Includes the service would be refused on at its next start (missing, unparseable, outside the config's folder, circular...). */
  refused: IncludeProblem[];
}

/** " (with the config's included file(s) a, b; not backed up: c (missing))" for the plan and the backup step. */
export function includesNote(c: Pick<ConfigFiles, 'included' | 'skipped'>): string {
  const parts: string[] = [];
  if (c.included.length) parts.push(`with the config's included file(s) ${c.included.join(', ')}`);
  if (c.skipped.length) parts.push(`included file(s) not backed up, so not put back by a rollback: ${describeIncludeProblems(c.skipped)}`);
  return parts.length ? ` (${parts.join('; ')})` : '';
}

/** The exact paths (no `*` / `?`) among `entries` that are directories now (links followed, as the backup would). */
async function directoriesNamed(entries: string[]): Promise<string[]> {
  const dirs: string[] = [];
  for (const e of entries) {
    if (/[*?]/.test(e)) continue;
    if ((await fs.stat(path.resolve(e)).catch(() => undefined))?.isDirectory()) dirs.push(path.resolve(e));
  }
  return dirs;
}

export async function runUpdate(target: UpdateTarget, version: string, deps: UpdateDeps, opts: { dryRun?: boolean; runId: string; force?: boolean }): Promise<UpdateReport> {
  const { clock } = deps;
  const service = target.service;
  const u = service.update;
  const t0 = clock.monotonic();
  const name = service.name;
  const by = deps.by ?? 'human';
  const steps: StepRecord[] = [];
  const ready = deps.ready ?? httpReady;
  const pollMs = deps.pollMs ?? 1_000;
  const emit = (type: ClawbackEvent['type'], severity: Severity, message: string, details: Record<string, unknown> = {}): void =>
    deps.emit({ type, time: clock.now(), severity, service: name, message, details: { runId: opts.runId, ...details } });

  const emptyPlan: UpdatePlan = { service: name, from: null, to: version, blockers: [], steps: [] };
  const finish = (r: Omit<UpdateReport, 'runId' | 'service' | 'steps' | 'totalMs'>): UpdateReport => ({ runId: opts.runId, service: name, steps, totalMs: Math.round(clock.monotonic() - t0), ...r });
  if (!u) return finish({ from: null, to: version, outcome: 'blocked', message: `${name} has no update settings (service key update)`, plan: { ...emptyPlan, blockers: ['no update key'] } });
  const badVersion = checkVersionName(version);
  if (badVersion) return finish({ from: null, to: version, outcome: 'blocked', message: badVersion, plan: { ...emptyPlan, blockers: [badVersion] } });

  const dir = versionsDirOf(service, deps.stateDir);
  const store = new VersionStore(dir, u.package);
  const from = await store.current();
  const backupDir = path.join(deps.stateDir, 'updates', name, opts.runId);
  const readyUrl = readyUrlOf(service);
  const stateDirs = await directoriesNamed(u.stateFiles);
  const configNow = await configFilesOf(service);
  const plan = planUpdate({ service, update: u, dir, from, to: version, installed: (await store.installedVersion(version)) === version, readyUrl, backupDir, stateDirs, configIncludes: includesNote(configNow), refusedIncludes: configNow.refused });
  const held = target.hold ? holdBlocker(name, target.hold(), !!opts.force) : undefined;
  if (held) plan.blockers.push(held);
  if (opts.dryRun) return finish({ from: from ?? null, to: version, outcome: plan.blockers.length ? 'blocked' : 'dry-run', message: formatPlan(plan), plan });
  if (plan.blockers.length > 0) {
    emit('update.failed', 'warning', `${name}: update to ${version} refused: ${plan.blockers.join('; ')}`, { from: from ?? null, to: version, blockers: plan.blockers });
    return finish({ from: from ?? null, to: version, outcome: 'blocked', message: plan.blockers.join('; '), plan });
  }
  const prev = from!;

  emit('update.started', 'info', `${name}: update ${u.package} ${prev} -> ${version} started by ${by}`, { from: prev, to: version, by, plan: plan.steps.map((s) => `${s.step}: ${s.text}`) });
  const step = async (s: StepRecord['step'], fn: () => Promise<{ ok: boolean; message: string; details?: Record<string, unknown> }>): Promise<boolean> => {
    const st = clock.monotonic();
    let r: { ok: boolean; message: string; details?: Record<string, unknown> };
    try {
      r = await fn();
    } catch (err) {
      r = { ok: false, message: `${s} failed: ${(err as Error).message}` };
    }
    const ms = Math.round(clock.monotonic() - st);
    steps.push({ step: s, ok: r.ok, message: r.message, ms });
    emit('update.step', r.ok ? 'info' : 'warning', `${name}: update ${s}: ${r.message}`, { step: s, ok: r.ok, ms, ...r.details });
    return r.ok;
  };
  const failed = (message: string): UpdateReport => {
    emit('update.failed', 'warning', `${name}: update to ${version} not applied: ${message}; still on ${prev}`, { from: prev, to: version, steps });
    return finish({ from: prev, to: version, outcome: 'failed', message: `${message}; still on ${prev}`, plan });
  };

  // 1. install beside the current version.
  const installed = await step('install', async () => {
    const have = await store.installedVersion(version);
    if (have === version) {
      const problems = await store.integrity(version);
      if (problems.length === 0) return { ok: true, message: `reusing ${store.versionDir(version)}` };
      const r = await store.install(version, installSpec(u, version), { runner: deps.runner, npm: u.npm, args: u.installArgs, env: installEnv(service, u), timeoutMs: u.installTimeout, ...(deps.signal ? { signal: deps.signal } : {}) });
      return r.ok ? { ok: true, message: `${store.versionDir(version)} was damaged (${problems.slice(0, 3).join('; ')}): reinstalled in ${r.ms} ms` } : { ok: false, message: r.error };
    }
    const r = await store.install(version, installSpec(u, version), { runner: deps.runner, npm: u.npm, args: u.installArgs, env: installEnv(service, u), timeoutMs: u.installTimeout, ...(deps.signal ? { signal: deps.signal } : {}) });
    return r.ok ? { ok: true, message: `installed ${installSpec(u, version)} into ${store.versionDir(version)} in ${r.ms} ms`, details: { installMs: r.ms } } : { ok: false, message: r.error };
  });
  if (!installed) return failed('the install failed');

  // 2. the current config, judged by the new version.
  const argv = validateArgv(service, store.currentLink, store.versionDir(version));
  const valid = await step('validate', async () => {
    if (!argv) return { ok: true, message: 'no validator configured: skipped' };
    const r = await deps.runner(argv, { timeoutMs: service.configFile!.validateTimeout, env: serviceEnv(service), ...(deps.signal ? { signal: deps.signal } : {}) });
    if (r.code === 0) return { ok: true, message: `${service.configFile!.path} is valid for ${version}` };
    const why = cutSnippet((r.stdout + r.stderr).trim().split('\n').slice(-5).join(' | '), 600);
    return { ok: false, message: `${version} rejects ${service.configFile!.path} (${r.error ?? (r.timedOut ? 'timed out' : `exit ${r.code}`)}): ${why}` };
  });
  if (!valid) return failed('the new version does not accept the current config');

  // A person turned maintenance on while the new version installed: hands off. What is installed stays for next time.
  const heldBy = target.maintenanceBy?.() ?? null;
  if (heldBy) return failed(`${heldBy} turned maintenance on during the update; the service was not touched (${version} stays installed for the next \`clawback update\`)`);
  // The breaker tripped (or a repair began) while the new version installed: the reducer's state decides, as before the install.
  const heldNow = target.hold ? holdBlocker(name, target.hold(), !!opts.force) : undefined;
  if (heldNow) return failed(`${heldNow}; the service was not touched (${version} stays installed)`);

  // An include broken or moved out of the config's folder while the new version installed: refused as in the plan.
  const configLater = await configFilesOf(service);
  if (configLater.refused.length > 0) return failed(`${includesRefusal(service.configFile!.path, configLater.refused)}; the service was not touched (${version} stays installed)`);
  // The backup must fit (update.backupLimit, the room on its disk) before the service is stopped for it.
  try {
    await checkBackupRoom(backupDir, configLater.files, u.stateFiles, u.backupLimit);
  } catch (err) {
    return failed(`backup refused before anything was stopped: ${(err as Error).message}; the service was not touched`);
  }

  // From here on the service is touched: a daemon killed before the end finds this record at its next start
  // (resumeInterruptedUpdate), instead of a service left stopped or an unwatched new version.
  const inFlight: UpdateInFlight = { runId: opts.runId, service: name, from: prev, to: version, backupDir, startedAt: clock.now(), by };
  try {
    await writeInFlight(deps.stateDir, inFlight);
  } catch (err) {
    return failed(`the update could not record itself in ${deps.stateDir} (${(err as Error).message}), so a daemon restart could not finish it; the service was not touched`);
  }
  const untouched = async (): Promise<void> => {
    await target.request('start', 'human');
    await clearInFlight(deps.stateDir, name).catch(() => undefined);
  };

  // 3-7. stop, back up, switch, start: through the reducer; files only while the service is down.
  let backup: BackupManifest | undefined;
  const down = await step('stop', async () => {
    const r = await target.request('stop', 'human');
    return { ok: !['running', 'starting', 'stopping'].includes(target.phase()), message: r.message };
  });
  if (!down) {
    await untouched();
    return failed('the service did not stop');
  }
  const backedUp = await step('backup', async () => {
    const config = await configFilesOf(service);
    backup = await takeBackup(backupDir, config.files, u.stateFiles, clock.now(), { limitBytes: u.backupLimit });
    return { ok: true, message: `${backup.entries.length} file(s) copied into ${backupDir}${includesNote(config)}`, details: { files: backup.entries.map((e) => e.file), included: config.included, skipped: config.skipped } };
  });
  if (!backedUp) {
    await untouched();
    // The step's own words name the file and why (`backup failed: the state files to back up come to 5.0 GiB (the largest: <file> ...`).
    return failed(`${steps[steps.length - 1]!.message} (without it a rollback could not put the files back, so the service was started again as it was)`);
  }

  // Exits from here on are the new version's (the stop's own exit is already behind us).
  const exits: Array<{ code: number | null; signal: string | null; time: number }> = [];
  const off = target.subscribe((e) => {
    if (e.service !== name || e.type !== 'service.exited') return;
    const d = (e.details ?? {}) as { code?: number | null; signal?: string | null; expected?: boolean };
    if (d.expected) return;
    exits.push({ code: d.code ?? null, signal: d.signal ?? null, time: clock.now() });
  });
  try {
    const switched = await step('switch', async () => {
      const rec = await store.switchTo(version, `update by ${by}`, clock.now());
      return { ok: true, message: `${store.currentLink} -> ${rec.version} (previous ${rec.previous})` };
    });
    // The link did not move (a full disk, an I/O error): starting now would run the old version and call it the new one.
    if (!switched && (await store.current()) !== version) {
      await untouched();
      return failed(`${store.currentLink} could not be switched to ${version}`);
    }
    const watchFrom = clock.monotonic();
    await step('start', async () => {
      const r = await target.request('start', 'human');
      return { ok: true, message: r.message };
    });
    let verdict: WatchVerdict = { kind: 'wait' };
    await step('watch', async () => {
      verdict = await watch(target, readyUrl, ready, { clock, pollMs, watchMs: u.watch, settleMs: u.settle, crashLoopExits: u.crashLoopExits, exits, startedAt: watchFrom, ...(deps.signal ? { signal: deps.signal } : {}) });
      if (verdict.kind === 'ok') return { ok: true, message: `${version} is ready and held ${u.settle} ms` };
      return { ok: false, message: verdict.kind === 'rollback' ? verdict.reason : verdict.kind === 'handover' ? `${verdict.by} turned maintenance on` : 'cancelled' };
    });
    const v = verdict as WatchVerdict;
    if (v.kind === 'handover') {
      // A person took the service over during the watch: it stays as it is (nothing stopped, restored or switched back).
      await clearInFlight(deps.stateDir, name).catch(() => undefined);
      const message = `${v.by} turned maintenance on while ${version} was watched, so the update handed ${name} over as it is: ${store.currentLink} -> ${version}, not judged; backups in ${backupDir}; \`clawback update ${name} ${prev}\` goes back`;
      emit('update.failed', 'critical', `${name}: update ${prev} -> ${version}: ${message}`, { from: prev, to: version, reason: 'maintenance', handedOver: true, by: v.by, backupDir, steps });
      return finish({ from: prev, to: version, outcome: 'failed', message, plan, backupDir });
    }
    if (v.kind === 'ok') {
      await clearInFlight(deps.stateDir, name).catch(() => undefined);
      await step('prune', async () => {
        const gone = await store.prune(u.keepVersions);
        return { ok: true, message: gone.length ? `removed old version(s) ${gone.join(', ')}` : 'nothing to remove' };
      });
      const report = finish({ from: prev, to: version, outcome: 'succeeded', message: `${name} runs ${u.package} ${version} (was ${prev})`, plan, backupDir });
      emit('update.succeeded', 'resolved', `${name}: updated ${u.package} ${prev} -> ${version} in ${Math.round(report.totalMs / 1000)} s`, { from: prev, to: version, totalMs: report.totalMs, steps });
      return report;
    }

    const reason = v.kind === 'rollback' ? v.reason : 'cancelled';
    if (deps.signal?.aborted && target.phase() !== 'stopped') {
      // The daemon exits and leaves its services running for the next one (SIGUSR2, a service manager's restart): the
      // new version still runs. Its files are not restored under it, nor `current` switched away from it (the next
      // daemon would adopt it as the old version, unwatched): everything stays, with the in-flight record, and the next
      // daemon watches it and keeps it or rolls it back (resumeInterruptedUpdate), as after a SIGKILL.
      emit('update.failed', 'warning', `${name}: update to ${version} interrupted during its ${steps[steps.length - 1]?.step ?? 'switch'} (the daemon is exiting and leaves ${name} running): ${version} keeps running and the next daemon watches it, then keeps it or rolls back to ${prev}`, { from: prev, to: version, reason: 'cancelled', handedOver: true });
      return finish({ from: prev, to: version, outcome: 'failed', message: `interrupted: ${version} keeps running; the next daemon finishes the watch and keeps it or rolls back to ${prev}`, plan, backupDir });
    }
    if (deps.signal?.aborted) {
      // The daemon is stopping and has stopped the service: no requests to a reducer being disposed, but the files go
      // back (nothing runs on them), so the next boot runs the old version.
      // The in-flight record stays: the next daemon starts the service again (the update had stopped it) and says so.
      await markRollingBack(deps.stateDir, inFlight, 'rollback: the daemon stopped during the update', clock.now());
      const disk = await rollBackOnDisk(store, backupDir, backup ?? (await readBackup(backupDir)), prev, 'rollback: the daemon stopped during the update', clock.now(), service);
      const fine = disk.switched && disk.problems.length === 0;
      emit('update.rolled-back', fine ? 'warning' : 'critical', `${name}: update to ${version} cancelled (the daemon is stopping); ${fine ? `${store.currentLink} points at ${prev} again and the backups are restored` : disk.summary}`, { from: prev, to: version, reason: 'cancelled', problems: disk.problems });
      return finish({ from: prev, to: version, outcome: 'rolled-back', message: `cancelled; back on ${prev} at the next start`, plan, backupDir, healthyAfterRollback: false });
    }
    // Roll back: stop, restore the backups, point current at the old version, start, and wait for it.
    const rb0 = clock.monotonic();
    let healthy = false;
    let problems: string[] = [];
    let stillUp: string | null = null;
    let heldBack: string | null = null;
    await step('rollback', async () => {
      const stop = await target.request('stop', 'human');
      // Files are switched only under a stopped process: the new version still running (a stop slower than the reducer's
      // bound, an external manager's stop that hangs) would write its state over the restored files, or run on the old tree.
      if (!(await stopConfirmed(target, clock, pollMs, u.watch, deps.signal))) {
        stillUp = `${name} did not stop (${target.phase()}: ${stop.message})`;
        return { ok: false, message: `${stillUp}: nothing restored, ${store.currentLink} left on ${version}` };
      }
      // Killed from here until `current` is back, the next daemon finishes this rollback (not watch ${version} on old files).
      await markRollingBack(deps.stateDir, inFlight, `rollback: ${reason}`, clock.now());
      const disk = await rollBackOnDisk(store, backupDir, backup ?? (await readBackup(backupDir)), prev, `rollback: ${reason}`, clock.now(), service);
      const restored = disk.restore ?? { restored: [], unchanged: [], movedAside: [], failed: [] };
      problems = disk.problems;
      if (!disk.switched) return { ok: false, message: `${disk.summary}; ${name} is left stopped`, details: { problems: disk.problems } };
      exits.length = 0;
      const back = clock.monotonic();
      // The reducer hears what was put back and decides: started, or held when the old version would run on a mix of files.
      const answer = await target.restored(opts.runId, disk.notRestored);
      if (disk.notRestored.length > 0) {
        heldBack = `${name} is held, not started on a mix of ${prev}'s and ${version}'s files (${answer.message}): put the files named right, then \`clawback resume ${name}\``;
        return { ok: false, message: `back on ${prev} (not started); ${disk.problems.join('; ')}; ${heldBack}`, details: { restored: restored.restored, movedAside: restored.movedAside, problems: disk.problems, held: true } };
      }
      const w = await watch(target, readyUrl, ready, { clock, pollMs, watchMs: u.watch, settleMs: 0, crashLoopExits: u.crashLoopExits, exits, startedAt: back, ...(deps.signal ? { signal: deps.signal } : {}) });
      healthy = w.kind === 'ok';
      return {
        ok: healthy && disk.problems.length === 0,
        message: `back on ${prev}${healthy ? ', ready' : ', NOT ready'}; restored ${restored.restored.length} file(s), ${restored.unchanged.length} unchanged, ${restored.movedAside.length} new file(s) moved aside${disk.problems.length ? `; ${disk.problems.join('; ')}` : ''}`,
        details: { restored: restored.restored, movedAside: restored.movedAside, problems: disk.problems },
      };
    });
    const rollbackMs = Math.round(clock.monotonic() - rb0);
    await clearInFlight(deps.stateDir, name).catch(() => undefined);
    if (stillUp) {
      const message = `${version} did not hold (${reason}), but ${stillUp}, so its files were NOT switched back under it: both versions are kept (${store.currentLink} -> ${version}, ${prev} in ${store.versionDir(prev)}, the files from before the update in ${backupDir}); once it is stopped, \`clawback update ${name} ${prev}\` goes back`;
      emit('update.failed', 'critical', `${name}: update ${prev} -> ${version}: ${message}`, { from: prev, to: version, reason, notStopped: true, phase: target.phase(), backupDir, steps });
      return finish({ from: prev, to: version, outcome: 'failed', message, plan, backupDir, rollbackMs, healthyAfterRollback: false });
    }
    const notes = problems.length ? `; ${problems.join('; ')}` : '';
    const heldText = heldBack ? `; ${heldBack}` : '';
    const report = finish({ from: prev, to: version, outcome: 'rolled-back', message: `${version} did not hold (${reason}); rolled back to ${prev}${healthy || heldBack ? '' : ', which is not ready either'}${notes}${heldText}`, plan, backupDir, rollbackMs, healthyAfterRollback: healthy });
    const readyText = heldBack ? '' : healthy ? ` (ready again after ${Math.round(rollbackMs / 1000)} s)` : '; the old version is not ready either';
    emit('update.rolled-back', healthy && !notes ? 'warning' : 'critical', `${name}: update to ${version} rolled back to ${prev}: ${reason}${readyText}${notes}${heldText}`, { from: prev, to: version, reason, rollbackMs, healthy, totalMs: report.totalMs, steps, backupDir, problems, ...(heldBack ? { held: true } : {}) });
    return report;
  } finally {
    off();
  }
}

export interface DiskRollback {
  restore: RestoreReport | undefined;
  /** `current` points at the old version again. */
  switched: boolean;
  /** What could not be done: files not put back, the link or active.json not written. */
  problems: string[];
  /** The files not put back (and why): the reducer holds the service rather than start the old version on a mix. */
  notRestored: Array<{ file: string; error: string }>;
  summary: string;
}

/**
 * The protected settings (configFile.protect: the OpenClaw preset's gateway.auth...) the config now holds differently
 * from its backup, as the service reads it (main file and `$include`d files resolved): a person's change since the backup
 * (a token rotated during the watch, in the main file or an included one) that a restore would overwrite. With the
 * config's files that changed since the backup (the ones a restore overwrites).
 */
async function protectedSinceBackup(service: ServiceConfig, backupDir: string, manifest: BackupManifest | undefined): Promise<{ changes: string[]; files: string[] }> {
  const none = { changes: [], files: [] };
  const spec = service.configFile;
  const patterns = protectedPatterns(service);
  if (!spec || !manifest || patterns.length === 0) return none;
  const stored = (file: string): Promise<string | undefined> => {
    const e = manifest.entries.find((x) => x.file === file);
    return e ? fs.readFile(path.join(backupDir, e.stored), 'utf8').catch(() => undefined) : Promise.resolve(undefined);
  };
  const format = detectFormat(spec.path, spec.format);
  const [thenText, nowText] = await Promise.all([stored(spec.path), fs.readFile(spec.path, 'utf8').catch(() => undefined)]);
  if (thenText === undefined || nowText === undefined) return none;
  const a = parseConfigText(thenText, format);
  const b = parseConfigText(nowText, format);
  if (!a.ok || !b.ok) return none;
  // The included files as backed up, followed from the backed-up main file (only those: never a state file's bytes).
  const thenFiles = new Map<string, unknown>();
  const thenTexts = new Map<string, string>([[spec.path, thenText]]);
  let level = directlyIncludedFiles(spec.path, a.value);
  for (let depth = 0; depth < 10 && level.length > 0; depth++) {
    const next: string[] = [];
    for (const f of level) {
      if (thenTexts.has(f)) continue;
      const t = await stored(f);
      if (t === undefined) continue;
      thenTexts.set(f, t);
      const v = parseConfigText(t, 'json5');
      if (!v.ok) continue;
      thenFiles.set(f, v.value);
      next.push(...directlyIncludedFiles(f, v.value));
    }
    level = next;
  }
  const then = resolveIncludes(spec.path, a.value, thenFiles);
  const now = (await resolvedConfig(spec.path, b.value, format)).value;
  const changes = protectedChanges(then, now, patterns).map((c) => `${c.path} (${c.change})`);
  if (changes.length === 0) return none;
  const files: string[] = [];
  for (const [f, t] of thenTexts) if ((await fs.readFile(f, 'utf8').catch(() => undefined)) !== t) files.push(f);
  return { changes, files };
}

/**
 * Puts the old version back on disk: the backed-up files (each on its own), then `current`. Never throws: a file that
 * cannot be restored (a full disk) must not leave `current` on the failed version with the service stopped.
 */
export async function rollBackOnDisk(store: VersionStore, backupDir: string, manifest: BackupManifest | undefined, prev: string, reason: string, now: number, service?: ServiceConfig): Promise<DiskRollback> {
  const changed = service ? await protectedSinceBackup(service, backupDir, manifest).catch(() => ({ changes: [], files: [] })) : { changes: [], files: [] };
  const { restore, problems, notRestored } = await restoreFiles(backupDir, manifest);
  // Put back as backed up, which is what a rollback is; never unsaid: a person's newer token would be lost without a word.
  const overwritten = changed.files.filter((f) => restore?.restored.includes(f));
  if (changed.changes.length > 0 && overwritten.length > 0) {
    // Which copy is which file's: several changed files make several numbered copies in one folder.
    const copies = overwritten.map((f) => `${f} as ${path.basename(restore!.kept.find((k) => k.file === f)?.copy ?? '?')}`).join(', ');
    problems.push(`protected setting(s) changed in ${overwritten.join(', ')} since the backup were overwritten by it: ${changed.changes.join(', ')}; the newer file${overwritten.length > 1 ? 's are' : ' is'} kept in ${restore!.evidenceDir ?? backupDir} (${copies}; set them again if they were yours)`);
  }
  try {
    await store.switchTo(prev, reason, now);
  } catch (err) {
    problems.push(`switching ${store.currentLink} back to ${prev}: ${(err as Error).message}`);
  }
  const switched = (await store.current()) === prev;
  const summary = switched ? `${store.currentLink} points at ${prev} again${problems.length ? `, but ${problems.join('; ')}` : ''}` : `${store.currentLink} could NOT be pointed back at ${prev}: ${problems.join('; ')}`;
  return { restore, switched, problems, notRestored, summary };
}

/** Puts the backed-up files back, each on its own; never throws: what could not be put back is named (notRestored). */
export async function restoreFiles(backupDir: string, manifest: BackupManifest | undefined): Promise<Pick<DiskRollback, 'restore' | 'problems' | 'notRestored'>> {
  const problems: string[] = [];
  const notRestored: Array<{ file: string; error: string }> = [];
  let restore: RestoreReport | undefined;
  if (!manifest) {
    problems.push(`no complete backup in ${backupDir}: files left as they are`);
    notRestored.push({ file: backupDir, error: 'no complete backup: the files are as the failed version left them' });
  } else {
    try {
      restore = await restoreBackup(backupDir, manifest);
      for (const f of restore.failed) problems.push(`${f.file} not restored (${f.error})`);
      notRestored.push(...restore.failed);
    } catch (err) {
      problems.push(`the backup in ${backupDir} could not be restored (${(err as Error).message})`);
      notRestored.push({ file: backupDir, error: `could not be restored: ${(err as Error).message}` });
    }
  }
  return { restore, problems, notRestored };
}

/**
 * The stop a rollback asked for, confirmed: the process is gone (neither running, starting nor stopping). A stop still
 * under way when the reducer's request came back is waited for, up to boundMs more.
 */
export async function stopConfirmed(target: Pick<UpdateTarget, 'phase'>, clock: Clock, pollMs: number, boundMs: number, signal?: AbortSignal): Promise<boolean> {
  const down = (): boolean => !['running', 'starting', 'stopping'].includes(target.phase());
  const end = clock.monotonic() + boundMs;
  while (!down() && clock.monotonic() < end && !signal?.aborted) await clock.sleep(pollMs, signal).catch(() => undefined);
  return down();
}

export interface WatchOptions {
  clock: Clock;
  pollMs: number;
  watchMs: number;
  settleMs: number;
  crashLoopExits: number;
  exits: Array<{ code: number | null; signal: string | null; time: number }>;
  /** Monotonic ms the watch began: a wall-clock step must neither end a healthy update's watch (rolled back) nor stretch it. */
  startedAt: number;
  signal?: AbortSignal;
}

/** Polls readiness and the exits seen until the verdict is no longer "wait" (bounded by watchMs). */
export async function watch(target: UpdateTarget, url: string | undefined, ready: (url: string) => Promise<boolean>, o: WatchOptions): Promise<WatchVerdict> {
  let readySince: number | null = null;
  let exitsSeen = 0;
  for (;;) {
    if (o.signal?.aborted) return { kind: 'rollback', reason: 'cancelled' };
    const isReady = target.phase() === 'running' && (url ? await ready(url) : target.health() === 'healthy');
    const now = o.clock.monotonic();
    if (o.exits.length !== exitsSeen) {
      exitsSeen = o.exits.length;
      readySince = null;
    }
    readySince = isReady ? (readySince ?? now) : null;
    const v = watchVerdict({ startedAt: o.startedAt, now, exits: o.exits, readySince, maintenanceBy: target.maintenanceBy?.() ?? null }, { watchMs: o.watchMs, settleMs: o.settleMs, crashLoopExits: o.crashLoopExits });
    if (v.kind !== 'wait') return v;
    await o.clock.sleep(o.pollMs, o.signal).catch(() => undefined);
  }
}
