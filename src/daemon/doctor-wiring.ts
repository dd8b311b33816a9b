// Level 2 plugged into the daemon: preflight before starts, the doctor as a repairer, last-known-good snapshots.
import { promises as fsp } from 'node:fs';
import { readServiceConfigFile, sha256 } from '../platform/config-file.js';
import path from 'node:path';
import type { ServiceConfig } from '../config/schema.js';
import type { DaemonContext, DaemonPlugin } from './daemon.js';
import type { ServiceRuntime, Repairers, ProbeStatusView, PreflightAnswer } from './service-runtime.js';
import type { DoctorContext, Finding } from '../doctor/types.js';
import type { DoctorFileChange } from '../decide/inputs.js';
import { snapshotStoreFor, type SnapshotStore } from '../doctor/snapshot-store.js';
import { preflight, type PreflightCheck, type PreflightStep } from '../doctor/preflight.js';
import { PREFLIGHT, preflightRule } from '../doctor/rule-preflight.js';
import { runDoctor, defaultRules, withRepairLock, type DoctorReport } from '../doctor/run-doctor.js';
import { learnConfigFileSecrets } from '../observe/config-file-secrets.js';
import { maybeRecordLastKnownGood, type HealthWindow } from '../doctor/last-known-good.js';
import { environOf } from '../platform/proc.js';
import { readPortDrift, describePortDrift, PORT_DRIFT } from '../doctor/port-drift.js';
import { describeTlsDrift, readTlsDrift, TLS_DRIFT } from '../openclaw/tls-drift.js';
import { BIND_DRIFT, describeBindDrift, readBindDrift } from '../openclaw/bind-drift.js';
import { readClobberedSource } from '../openclaw/clobbered-source.js';
import { CONFIG_CLOBBERED, describeClobbered, listClobbered, newClobbered } from '../openclaw/config-clobbered.js';
import { describeInheritedToken, INHERITED_TOKEN, readInheritedToken } from '../openclaw/inherited-token.js';
import { protectedPatterns, protectedValues } from '../doctor/protected-settings.js';
import { describeProtectedRemoved, lastKnownGoodResolved, PROTECTED_REMOVED, readResolvedConfig, removedProtected } from '../doctor/protected-removed.js';
import { protectedRemovedStore } from '../doctor/protected-removed-store.js';
import { delayToGrid } from '../platform/clock.js';
import { doctorBackupChanges, doctorFileChanges, readConfigTreeBeforeDoctor, revertDoctorFiles } from '../doctor/revert-doctor-files.js';
import { readBackupChain } from '../doctor/backup-chain.js';
import { describeBesideChanges, listBesideConfig } from '../doctor/beside-config-changes.js';
import { CONFIG_RESTORE } from '../doctor/rule-config-restore.js';
import { SERVICE_DOCTOR } from '../doctor/rule-service-doctor.js';
import { cutCauseText } from '../doctor/cut-cause.js';
import { openclawStateOwnerRule } from '../doctor/rule-openclaw-state-owner.js';

/**
 * An instance of this service that this Clawback started (safe to stop when it is not the live one): it carries the
 * supervision markers of this state dir. The same command line is no proof: the user's own copy started by hand, or
 * one another supervisor runs, looks identical and is somebody's live gateway, so it is reported, never stopped.
 */
export function isOwnInstanceOf(service: ServiceConfig, stateDir?: string): (pid: number) => boolean {
  return (pid: number) => !!stateDir && environOf(pid, 'CLAWBACK_SERVICE') === service.name && environOf(pid, 'CLAWBACK_SUPERVISED_BY') === stateDir;
}

/** The other service of this Clawback (same state dir) that pid is an instance of, from its supervision markers. */
export function supervisedServiceOf(service: ServiceConfig, stateDir?: string): (pid: number) => string | undefined {
  return (pid: number) => {
    if (!stateDir || environOf(pid, 'CLAWBACK_SUPERVISED_BY') !== stateDir) return undefined;
    const name = environOf(pid, 'CLAWBACK_SERVICE');
    return name !== undefined && name !== '' && name !== service.name ? name : undefined;
  };
}

/**
 * One snapshot store per service for the daemon's life: a store serialises its own writes to its
 * index, so the doctor, the last-known-good timer and a Level 3 agent must share it.
 */
export class SnapshotStores {
  private readonly stores = new Map<string, SnapshotStore>();

  for(service: ServiceConfig, ctx: Pick<DaemonContext, 'stateDir' | 'clock'>): SnapshotStore {
    let store = this.stores.get(service.name);
    if (!store) {
      store = snapshotStoreFor(ctx.stateDir, service, ctx.clock);
      this.stores.set(service.name, store);
    }
    return store;
  }
}

/** What a doctor context is built from: the daemon's context, or the guardian's when no daemon runs (direct-revive.ts). */
export type DoctorContextSource = Pick<DaemonContext, 'stateDir' | 'clock' | 'emit' | 'wallAnchor'>;

export function doctorContext(service: ServiceConfig, ctx: DoctorContextSource, runtime?: () => ServiceRuntime, stores?: SnapshotStores): DoctorContext {
  const pid = runtime?.().status().pid ?? undefined;
  return {
    service,
    stateDir: ctx.stateDir,
    clock: ctx.clock,
    snapshots: stores ? stores.for(service, ctx) : snapshotStoreFor(ctx.stateDir, service, ctx.clock),
    emit: ctx.emit,
    isOwnInstance: isOwnInstanceOf(service, ctx.stateDir),
    supervisedServiceOf: supervisedServiceOf(service, ctx.stateDir),
    ...(pid ? { currentPid: pid } : {}),
    ...(ctx.wallAnchor ? { wallAnchor: ctx.wallAnchor } : {}),
  };
}

export function doctorRepairers(service: ServiceConfig, ctx: DaemonContext, runtime: () => ServiceRuntime, stores: SnapshotStores): Repairers {
  type DoctorResult = Awaited<ReturnType<NonNullable<Repairers['doctor']>>>;
  // The repair lock is taken before the config tree is read and held until its changes are counted (both passes too):
  // read before a wait for a person's `clawback doctor --fix`, their repair was counted as this run's change and undone
  // with it when the service stayed down.
  const locked = (incidentId: string, signal: AbortSignal | undefined, run: () => Promise<DoctorResult>): Promise<DoctorResult> =>
    withRepairLock({ ...doctorContext(service, ctx, runtime, stores), ...(signal ? { signal } : {}) }, { incidentId }, run, (refused) => ({
      fixed: false,
      summary: `fixed: nothing; left: ${refused.findings.map((f) => f.title).join('; ')}`,
      outcome: 'not-fixed',
    }));
  return {
    doctor: (incident, signal) => locked(incident.id, signal, async () => {
      const file = service.configFile?.path;
      // Read before the run: a repair that rewrote (or created) a file of the config tree, the `$include`d ones too, is
      // verified and, if the service is not healthy after, put back.
      const before = await readConfigTreeBeforeDoctor(file, stores.for(service, ctx));
      // The service's own backup chain too: its doctor rotates it on each write, and an undone run puts it back.
      const globs = service.configFile?.backupGlobs ?? [];
      const backupsBefore = file === undefined ? new Map() : await readBackupChain(file, globs).catch(() => new Map());
      // And what lies beside the config (its own doctor migrates state there), to say what a revert leaves in place.
      const besideBefore = file !== undefined && service.doctor.command ? await listBesideConfig(file, [ctx.stateDir]) : undefined;
      // The reducer cancels a run (stop, a person taking over, its deadline): commands in flight are killed.
      const always = serviceDoctorAlways(service, incident.doctorRuns, runtime().status().lastExit?.code ?? null);
      const pass = (serviceDoctor: boolean): Promise<DoctorReport> =>
        runDoctor({ ...doctorContext(service, ctx, runtime, stores), ...(signal ? { signal } : {}) }, {
          fix: true,
          lockHeld: true,
          incidentId: incident.id,
          // The service's own doctor rewrites configs (OpenClaw's has dropped sections), so it runs under
          // guard (snapshot, rollback): first thing for a config that parses but is rejected; with a valid
          // config, when the service itself said "fix my config first" (an exit code in preventExitCodes,
          // e.g. 78) or on a later run, when restarts did not hold anyway.
          // The preflight's start-blockers first (a missing program or #! interpreter, cwd, env), as `clawback doctor`
          // runs them: without it a service held at the preflight heard "nothing to fix; starting again" twice.
          rules: [preflightRule(['command', 'cwd', 'env']), ...defaultRules({ serviceDoctor: { always: serviceDoctor } })],
        });
      let report = await pass(always);
      // Our own rules found nothing while restarts do not hold: the service's own doctor is what Level 2 has left. A
      // "nothing found" ends the doctor rung, so the later run that would have tried it never came and the ladder went
      // on to an agent or a human with `doctor.command` never run. Not for a start refused by the preflight (a port or
      // lock that cleared meanwhile): nothing is broken there for a doctor to rewrite.
      if (report.findings.length === 0 && !always && serviceDoctorAfterNothingFound(service, runtime().status().held?.reason) && !signal?.aborted) report = await pass(true);
      // What an applied repair changed ("removed newFeature ...; the original is kept at ..."), not just what it was about.
      const fixed = report.outcomes.filter((o) => o.verified).map((o) => (o.applied ? `${o.finding.title}: ${o.message}` : o.finding.title));
      // A finding left because the service's own doctor was cut at its timeout says so (status, the incident's last rung).
      const cutOf = (f: Finding): string => {
        const cut = report.outcomes.find((o) => o.finding.id === f.id)?.details?.serviceDoctorCut;
        return typeof cut === 'string' ? ` (${cut})` : '';
      };
      const left = report.findings.filter((f) => !report.outcomes.some((o) => o.finding.id === f.id && o.verified)).map((f) => `${f.title}${cutOf(f)}`);
      const summary = report.findings.length === 0 ? 'no problem found' : `fixed: ${fixed.join('; ') || 'nothing'}; left: ${left.join('; ') || 'nothing'}`;
      const changes = [
        ...(await doctorFileChanges(stores.for(service, ctx), before)),
        ...(await doctorBackupChanges(stores.for(service, ctx), file, globs, backupsBefore, new Set(before.keys()))),
      ];
      // A killed port holder or a removed lock is not a file to put back: said as such if the repair is undone.
      const otherRepairs = report.outcomes.filter((o) => o.applied && o.finding.rule !== CONFIG_RESTORE && o.finding.rule !== SERVICE_DOCTOR).map((o) => `${o.finding.title}: ${o.message}`);
      const besideAfter = besideBefore && file !== undefined && report.outcomes.some((o) => o.finding.rule === SERVICE_DOCTOR) ? await listBesideConfig(file, [ctx.stateDir]) : undefined;
      const beside = besideBefore && besideAfter ? describeBesideChanges(file!, besideBefore, besideAfter, new Set([...before.keys(), ...changes.map((c) => c.path), ...backupsBefore.keys()])) : '';
      if (beside) otherRepairs.push(`${service.name}'s own doctor, beside its config in ${path.dirname(file!)}: ${beside}`);
      // The service's own doctor exited 0 and is all this run "fixed", yet its config, the backups and what lies beside
      // it are as they were: nothing was repaired. Called "fixed", the same crash loop was restarted as "repaired" and
      // Level 4 listed it among the repairs still in place. Said as it is, the ladder goes on (or retries where a
      // "nothing found" does). Without a config file there is nothing to look at: its word is taken.
      // Cut before it finished (its deadline, a stop, a person taking over, the daemon stopping): the executor drops its
      // answer, so what it changed before the cut (a restore written, then a slow second rule) stayed unverified and
      // unsaid. Put back here, still under the repair lock, as the service's own doctor's cut write is; the rest named.
      if (signal?.aborted && (changes.length > 0 || otherRepairs.length > 0)) return undoCutRun(service, ctx, stores, incident.id, changes, otherRepairs, signal);
      // Cut with nothing to put back: what it did not get to (a restore walk's copies not tried) is its word, not "fixed: nothing".
      if (signal?.aborted) {
        const cut = report.outcomes.filter((o) => o.details?.cut === true || o.details?.rolledBack === true).map((o) => `${o.finding.title}: ${o.message}`);
        return { fixed: false, summary: cut.join('; ') || `the doctor run was cut short before it finished (${cutCauseText(signal)}), nothing changed; ${summary}`, outcome: 'not-fixed' as const };
      }
      const applied = report.outcomes.filter((o) => o.verified && o.applied);
      const changedNothing = report.exitCode === 1 && besideBefore !== undefined && applied.length > 0 && applied.every((o) => o.finding.rule === SERVICE_DOCTOR) && changes.length === 0 && !beside;
      if (changedNothing) {
        return { fixed: false, summary: `${service.name}'s own doctor changed nothing (it exited 0; its config, the config's backups and the files beside it are as they were)`, outcome: 'nothing-found' as const };
      }
      // Left findings that only a person can fix (the preflight's), each with its fix: the ladder goes to a human with them.
      // A finding that blocks repairs (another OpenClaw process owns the state dir) is a person's whatever else is left:
      // the service's own doctor and an agent fail against it the same way.
      const unresolved = (f: Finding): boolean => !report.outcomes.some((o) => o.finding.id === f.id && o.verified);
      const blockers = report.findings.filter((f) => f.blocksRepairs && unresolved(f));
      const forPerson = blockers.length > 0 ? blockers : report.findings.filter((f) => f.rule.startsWith(`${PREFLIGHT}.`) && unresolved(f));
      const personOnly = forPerson.length > 0 && (blockers.length > 0 || forPerson.length === left.length) ? forPerson.map((f) => `${f.title}${f.fix ? `; fix: ${f.fix}` : ''}`).join('; ') : undefined;
      return {
        fixed: report.exitCode === 1,
        summary,
        ...(personOnly ? { personOnly } : {}),
        outcome: report.findings.length === 0 ? 'nothing-found' : report.exitCode === 1 ? 'fixed' : 'not-fixed',
        ...(changes.length > 0 ? { files: changes } : {}),
        ...(otherRepairs.length > 0 ? { otherRepairs } : {}),
      };
    }),
    doctorRevert: async (files, runId, incidentId, reason) => {
      const r = await revertDoctorFiles({ snapshots: stores.for(service, ctx), clock: ctx.clock }, files);
      ctx.emit({
        type: 'doctor.repair',
        time: ctx.clock.now(),
        severity: r.kept.length > 0 ? 'warning' : 'info',
        service: service.name,
        incidentId,
        message: `${service.name}: doctor run ${runId} undone (${reason}): ${[...r.reverted.map((x) => `put back ${x}`), ...r.kept].join('; ') || 'nothing to put back'}`,
        details: { runId, undone: true, reverted: r.reverted, kept: r.kept, files: files.map((f) => ({ path: f.path, doctorSha256: f.after, originalSha256: f.before })) },
      });
      return r;
    },
  };
}

/**
 * A doctor run cut short after it changed things: its file changes (never verified) are put back where a file still holds
 * its bytes (its version kept as evidence), what cannot be undone (a killed holder) is named, in one journal event.
 */
async function undoCutRun(service: ServiceConfig, ctx: DaemonContext, stores: SnapshotStores, incidentId: string, files: DoctorFileChange[], otherRepairs: string[], signal: AbortSignal): Promise<{ fixed: false; summary: string; outcome: 'not-fixed' }> {
  let r: { reverted: string[]; kept: string[] } = { reverted: [], kept: [] };
  if (files.length > 0) {
    r = await revertDoctorFiles({ snapshots: stores.for(service, ctx), clock: ctx.clock }, files).catch((err: unknown) => ({
      reverted: [],
      kept: files.map((f) => `${f.path} not put back (${err instanceof Error ? err.message : String(err)})`),
    }));
  }
  const said = [...r.reverted.map((x) => `put back ${x}`), ...r.kept, ...otherRepairs.map((o) => `still in place (not undoable): ${o}`)].join('; ');
  const summary = `the doctor run was cut short before it finished (${cutCauseText(signal)}); its unverified changes: ${said}`;
  ctx.emit({
    type: 'doctor.repair',
    time: ctx.clock.now(),
    severity: r.kept.length > 0 || otherRepairs.length > 0 ? 'warning' : 'info',
    service: service.name,
    incidentId,
    level: 2,
    message: `${service.name}: ${summary}`,
    details: { undone: true, cut: true, reverted: r.reverted, kept: r.kept, otherRepairs, files: files.map((f) => ({ path: f.path, doctorSha256: f.after, originalSha256: f.before })) },
  });
  return { fixed: false, summary, outcome: 'not-fixed' };
}

/** Pure: after our rules found nothing, run the service's own doctor (it has one, and no preflight refusal led here)? */
export function serviceDoctorAfterNothingFound(service: ServiceConfig, heldReason: string | undefined): boolean {
  return !!service.doctor.command && heldReason !== 'preflight';
}

/** Pure: run the service's own doctor even with a valid config? */
export function serviceDoctorAlways(service: ServiceConfig, doctorRuns: number, lastExitCode: number | null): boolean {
  if (!service.doctor.command) return false;
  return doctorRuns > 1 || (lastExitCode !== null && service.restart.preventExitCodes.includes(lastExitCode));
}

/**
 * Preflight before every start. The config validator can be slow (it may spawn the service's own
 * checker), so it runs again only when the file changed since it last passed.
 */
export function preflightFor(service: ServiceConfig, ctx?: DoctorContextSource): (onStep?: (step: PreflightStep) => void, signal?: AbortSignal) => Promise<PreflightAnswer> {
  // Another live OpenClaw process holding the state dir's gateway.state.lock: the start would exit 78 into it. Read before
  // every start (not for an external service: the lock's owner there may be the running service itself). Built once.
  const stateOwner = ctx && !service.external ? { rule: openclawStateOwnerRule(), dctx: doctorContext(service, ctx) } : undefined;
  // Checksums of config bytes this service's preflight validated (newest last, bounded): a restored last-known-good
  // holds bytes judged before, and its validator is a whole CLI start (26 s before a gateway start under load).
  const validated: string[] = [];
  const sumOf = async (): Promise<string | undefined> => {
    if (!service.configFile) return undefined;
    try {
      return sha256(await readServiceConfigFile(service.configFile.path));
    } catch {
      return undefined;
    }
  };
  return async (onStep, signal) => {
    const owners = stateOwner ? await stateOwner.rule.detect(stateOwner.dctx).catch(() => []) : [];
    if (owners.length > 0) return { problem: owners.map((f) => `${f.title} (${f.evidence}); fix: ${f.fix}`).join('; '), personOnly: true };
    const before = await sumOf();
    // An external service may be running already: its port being busy is expected, not a fault.
    const only: PreflightCheck[] = service.external ? ['command', 'cwd', 'env'] : ['command', 'cwd', 'env', 'port'];
    if (service.configFile && (before === undefined || !validated.includes(before))) only.push('config');
    // The validator is the slow part (a whole CLI start, ~30 s under load): said before it runs, so a person sees it.
    const cmd = service.configFile?.validateCommand;
    if (only.includes('config') && cmd) onStep?.({ step: 'validating config', command: cmd, budgetMs: service.configFile!.validateTimeout });
    const findings = (await preflight(service, { only, ...(signal ? { signal } : {}) })).filter((f) => f.severity !== 'info');
    if (findings.length === 0) {
      if (before !== undefined && !validated.includes(before)) validated.push(before);
      if (validated.length > PREFLIGHT_VALIDATED_KEPT) validated.shift();
      return undefined;
    }
    // A config finding: those bytes (and any judged before) are asked about again next time.
    if (findings.some((f) => f.rule === 'preflight.config')) validated.length = 0;
    return findings.map((f) => `${f.title}${f.evidence ? ` (${f.evidence})` : ''}`).join('; ');
  };
}

/** How many validated config contents the preflight remembers per service (the current one and a few it was restored from). */
const PREFLIGHT_VALIDATED_KEPT = 4;

/**
 * The newest moment every restart-action probe had passed (the oldest of their passing checks), or
 * undefined without such probes or while one of them is not passing.
 */
export function lastPassOf(probes: readonly ProbeStatusView[]): number | undefined {
  const judged = probes.filter((p) => p.action === 'restart');
  if (judged.length === 0) return undefined;
  let oldest = Infinity;
  for (const p of judged) {
    if (p.lastResult?.status !== 'success' || p.lastCheckedAt === null) return undefined;
    oldest = Math.min(oldest, p.lastCheckedAt);
  }
  return oldest;
}

/** The newest check of any probe that found the config invalid (a log line of a refused reload, the config probe). */
export function configInvalidAtOf(probes: readonly ProbeStatusView[]): number | undefined {
  const at = probes.filter((p) => p.lastFailure?.finding === 'config-invalid').map((p) => p.lastFailure!.at);
  return at.length > 0 ? Math.max(...at) : undefined;
}

/** Even with an unchanged stamp, the config file is read and compared this often (a snapshot store emptied by hand). */
const FULL_CHECK_EVERY_MS = 60_000;

/**
 * Device, inode, size, mtime and ctime of a file (ctime cannot be set back by a tool that keeps mtime); undefined
 * when it cannot be read.
 */
async function fileStamp(file: string): Promise<string | undefined> {
  try {
    const st = await fsp.stat(file, { bigint: true });
    return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
  } catch {
    return undefined;
  }
}

/**
 * Every service's stamp (its config file's, plus the supervised port) for one tick: the files are stat'ed
 * together and each path once, so 20 services cost one or two wake-ups of the daemon, not 20 in a row.
 */
async function stampsOf(runtimes: readonly ServiceRuntime[], includedOf: (name: string) => readonly string[]): Promise<(string | undefined)[]> {
  const byPath = new Map<string, Promise<string | undefined>>();
  const stampOf = (file: string): Promise<string | undefined> => {
    let stamp = byPath.get(file);
    if (!stamp) byPath.set(file, (stamp = fileStamp(file)));
    return stamp;
  };
  return Promise.all(
    runtimes.map(async (rt) => {
      const file = rt.config.configFile?.path;
      if (file === undefined) return undefined;
      const s = await stampOf(file);
      if (s === undefined) return undefined;
      // The `$include`d files as last read: a token removed from one (or a new secret in it) is a change of the config.
      const included = await Promise.all(includedOf(rt.name).map(async (f) => `${f}=${(await stampOf(f)) ?? '-'}`));
      return `${s}:${rt.config.port ?? ''}${included.length > 0 ? `:${included.join(',')}` : ''}`;
    }),
  );
}

/** The work whose config writes are a repair's, not yet the person's nor known good (an approval waits and writes nothing). */
const REPAIR_WORK: readonly string[] = ['doctor', 'agent', 'verify', 'revert'];

/** How long stop() waits for a tick in flight (its validator is killed: SIGTERM, SIGKILL 2 s later). */
const STOP_WAIT_MS = 5_000;

/**
 * Every tick: saves the config as last-known-good on the first passing health verdict with its
 * content, and reports a port in the service's own config that differs from the supervised one.
 */
export function lastKnownGoodPlugin(stores: SnapshotStores, intervalMs = 2000): DaemonPlugin {
  return {
    name: 'last-known-good',
    init(ctx, daemon) {
      let stopped = false;
      let timer: { cancel(): void } | undefined;
      // Kills a validator in flight when the daemon stops (a validator can run for 30 s).
      const aborter = new AbortController();
      // Port drift already reported, per service (so it is said once per change, not every tick).
      const drifted = new Map<string, number>();
      const checkPort = async (rt: ServiceRuntime): Promise<void> => {
        const d = await readPortDrift(rt.config);
        const was = drifted.get(rt.name);
        if (d && was !== d.configured) {
          drifted.set(rt.name, d.configured);
          ctx.emit({
            type: 'doctor.finding',
            time: ctx.clock.now(),
            severity: 'warning',
            service: rt.name,
            message: describePortDrift(rt.name, d),
            details: { rule: PORT_DRIFT, findingId: `${PORT_DRIFT}:${rt.name}`, fixable: false, path: d.path, file: d.file, configured: d.configured, supervised: d.supervised },
          });
        } else if (!d && was !== undefined) {
          drifted.delete(rt.name);
          ctx.emit({
            type: 'doctor.finding',
            time: ctx.clock.now(),
            severity: 'info',
            service: rt.name,
            message: `${rt.name}: its config and Clawback agree on port ${rt.config.port} again`,
            details: { rule: PORT_DRIFT, findingId: `${PORT_DRIFT}:${rt.name}`, fixable: false, resolved: true, supervised: rt.config.port ?? null },
          });
        }
      };
      // TLS drift already reported, per service: the probe URLs said (once per change, not every tick).
      const tlsDrifted = new Map<string, string>();
      const checkTls = async (rt: ServiceRuntime): Promise<void> => {
        const d = await readTlsDrift(rt.config);
        const was = tlsDrifted.get(rt.name);
        const key = d ? `${d.tls}:${d.probes.map((p) => p.url).join(' ')}` : undefined;
        if (d && key !== undefined && was !== key) {
          tlsDrifted.set(rt.name, key);
          ctx.emit({
            type: 'doctor.finding',
            time: ctx.clock.now(),
            severity: 'warning',
            service: rt.name,
            message: describeTlsDrift(rt.name, d),
            details: { rule: TLS_DRIFT, findingId: `${TLS_DRIFT}:${rt.name}`, fixable: false, file: d.file, tls: d.tls, probes: d.probes.map((p) => p.name) },
          });
        } else if (!d && was !== undefined) {
          tlsDrifted.delete(rt.name);
          ctx.emit({
            type: 'doctor.finding',
            time: ctx.clock.now(),
            severity: 'info',
            service: rt.name,
            message: `${rt.name}: its probes and the gateway's gateway.tls setting agree again`,
            details: { rule: TLS_DRIFT, findingId: `${TLS_DRIFT}:${rt.name}`, fixable: false, resolved: true },
          });
        }
      };
      // Bind drift already reported, per service: the configured gateway.bind said (once per change, not every tick).
      const bindDrifted = new Map<string, string>();
      const checkBind = async (rt: ServiceRuntime): Promise<void> => {
        const d = await readBindDrift(rt.config);
        const was = bindDrifted.get(rt.name);
        if (d && was !== d.configured) {
          bindDrifted.set(rt.name, d.configured);
          ctx.emit({
            type: 'doctor.finding',
            time: ctx.clock.now(),
            severity: 'warning',
            service: rt.name,
            message: describeBindDrift(rt.name, d),
            details: { rule: BIND_DRIFT, findingId: `${BIND_DRIFT}:${rt.name}`, fixable: false, file: d.file, configured: d.configured, supervised: d.supervised },
          });
        } else if (!d && was !== undefined) {
          bindDrifted.delete(rt.name);
          ctx.emit({
            type: 'doctor.finding',
            time: ctx.clock.now(),
            severity: 'info',
            service: rt.name,
            message: `${rt.name}: its config's gateway.bind and Clawback's --bind agree again`,
            details: { rule: BIND_DRIFT, findingId: `${BIND_DRIFT}:${rt.name}`, fixable: false, resolved: true },
          });
        }
      };
      // Per config path: the gateway's `.clobbered.*` copies already seen, so each restore it made is said once.
      const clobberedSeen = new Map<string, Set<string>>();
      const startedAt = ctx.clock.now();
      const checkClobbered = async (rt: ServiceRuntime): Promise<void> => {
        const file = rt.config.configFile?.path;
        if (!rt.config.openclaw || file === undefined) return;
        const copies = await listClobbered(file);
        const known = clobberedSeen.get(file);
        const fresh = newClobbered(copies, known, startedAt);
        clobberedSeen.set(file, new Set(copies.map((c) => c.path)));
        for (const c of fresh) {
          const source = await readClobberedSource(file, c.path);
          ctx.emit({
            type: 'doctor.finding',
            time: ctx.clock.now(),
            severity: 'warning',
            service: rt.name,
            message: describeClobbered(rt.name, file, c.path, source),
            details: { rule: CONFIG_CLOBBERED, findingId: `${CONFIG_CLOBBERED}:${rt.name}`, fixable: false, file, kept: c.path, source: source.kind === 'bak' || source.kind === 'last-good' ? source.file : source.kind },
          });
        }
      };
      // Services whose gateway takes OPENCLAW_GATEWAY_TOKEN from the daemon's environment, already said (once per change).
      const tokenInherited = new Set<string>();
      const checkToken = async (rt: ServiceRuntime): Promise<void> => {
        // The environment the daemon spawns its children with (spawnSpecFor's parent).
        const takes = await readInheritedToken(rt.config, process.env);
        const file = rt.config.configFile?.path ?? '';
        if (takes && !tokenInherited.has(rt.name)) {
          tokenInherited.add(rt.name);
          ctx.emit({
            type: 'doctor.finding',
            time: ctx.clock.now(),
            severity: 'warning',
            service: rt.name,
            message: describeInheritedToken(rt.name, file),
            details: { rule: INHERITED_TOKEN, findingId: `${INHERITED_TOKEN}:${rt.name}`, fixable: false, file, variable: 'OPENCLAW_GATEWAY_TOKEN' },
          });
        } else if (!takes && tokenInherited.delete(rt.name)) {
          ctx.emit({
            type: 'doctor.finding',
            time: ctx.clock.now(),
            severity: 'info',
            service: rt.name,
            message: `${rt.name}: the gateway no longer takes its auth token from the daemon's OPENCLAW_GATEWAY_TOKEN`,
            details: { rule: INHERITED_TOKEN, findingId: `${INHERITED_TOKEN}:${rt.name}`, fixable: false, resolved: true, file },
          });
        }
      };
      // Per service and config path: the config as last read (includes resolved), so a protected setting removed since
      // (by hand: gateway.auth.token, and the gateway runs open) is said once; seeded from the newest copy seen healthy.
      const lastRead = new Map<string, unknown>();
      // Per service and config path: the removals warned of, so setting them back is said too (an all-clear closing the
      // warning); kept in the state dir, so a daemon restart meanwhile neither forgets them nor misses the all-clear.
      const removedStore = protectedRemovedStore(ctx.stateDir);
      let loaded: Map<string, string[]> | undefined;
      const checkProtected = async (rt: ServiceRuntime): Promise<void> => {
        const spec = rt.config.configFile;
        if (!spec || (spec.protect ?? []).length === 0) return;
        // A repair at work (a doctor or agent run, its verification, the revert of a failed one) writes versions that
        // are not the person's: read once it is done, the config is compared with the one read before it began.
        if (REPAIR_WORK.includes(rt.workKind() ?? '')) return;
        const now = await readResolvedConfig(rt.config);
        if (now === undefined) return;
        const missing = (loaded ??= await removedStore.load());
        const saved = JSON.stringify([...missing]);
        try {
          await compare(rt, spec.path, now, missing);
        } finally {
          if (JSON.stringify([...missing]) !== saved) await removedStore.save(missing).catch(() => undefined);
        }
      };
      // Compares the config read now with the one before and says removals and their all-clear; `missing` is the open set.
      const compare = async (rt: ServiceRuntime, file: string, now: unknown, missing: Map<string, string[]>): Promise<void> => {
        const key = `${rt.name}\0${file}`;
        const before = lastRead.has(key) ? lastRead.get(key) : await lastKnownGoodResolved(rt.config, stores.for(rt.config, ctx), ctx.clock);
        lastRead.set(key, now);
        const open = missing.get(key);
        if (open) {
          const present = protectedValues(now, protectedPatterns(rt.config));
          const left = open.filter((p) => !present.has(p));
          if (left.length === 0) {
            missing.delete(key);
            ctx.emit({
              type: 'doctor.finding',
              time: ctx.clock.now(),
              severity: 'info',
              service: rt.name,
              message: `${rt.name}: protected setting(s) ${open.join(', ')} set again in its config (${file})`,
              details: { rule: PROTECTED_REMOVED, findingId: `${PROTECTED_REMOVED}:${rt.name}`, fixable: false, resolved: true, file: file, restored: open },
            });
          } else missing.set(key, left);
        }
        if (before === undefined) return;
        const removed = removedProtected(rt.config, before, now);
        if (removed.length === 0) return;
        missing.set(key, [...new Set([...(missing.get(key) ?? []), ...removed])]);
        ctx.emit({
          type: 'doctor.finding',
          time: ctx.clock.now(),
          severity: 'warning',
          service: rt.name,
          message: describeProtectedRemoved(rt.config, removed),
          details: { rule: PROTECTED_REMOVED, findingId: `${PROTECTED_REMOVED}:${rt.name}`, fixable: false, file: file, removed },
        });
      };
      // Per service: the config file's stamp when both checks last concluded on it ("unchanged" or
      // "recorded"); the same stamp on the next tick means the same content, so only a stat is made.
      const settled = new Map<string, { stamp: string; at: number }>();
      // Per service: the files its config `$include`s as last read (re-derived at each read, so bounded to those).
      const included = new Map<string, string[]>();
      const tick = async (): Promise<void> => {
        // Stamped before any check, so a check always reads content at least as new as its stamp.
        const runtimes = [...daemon.runtimes.values()];
        for (const name of included.keys()) if (!daemon.runtimes.has(name)) included.delete(name);
        const stamps = await stampsOf(runtimes, (name) => included.get(name) ?? []);
        for (const [i, rt] of runtimes.entries()) {
          const spec = rt.config.configFile;
          const stamp = stamps[i];
          const done = settled.get(rt.name);
          if (stamp !== undefined && done?.stamp === stamp && ctx.clock.monotonic() - done.at < FULL_CHECK_EVERY_MS) continue;
          settled.delete(rt.name);
          // The file changed (a new token written by the service, a restore): its secrets are learnt before anything prints them.
          const files = await learnConfigFileSecrets(rt.config, ctx.redactor);
          // Watched from the next tick on (a new include changes the stamp once, so it is read again then).
          included.set(rt.name, files);
          await checkPort(rt).catch(() => undefined);
          await checkTls(rt).catch(() => undefined);
          await checkBind(rt).catch(() => undefined);
          await checkClobbered(rt).catch(() => undefined);
          await checkToken(rt).catch(() => undefined);
          await checkProtected(rt).catch(() => undefined);
          const since = rt.healthySinceMs();
          if (since === null || !spec) continue;
          // A repair's version healthy for a moment during its verification is not yet known good: if it does not hold it
          // is reverted, and a copy of it would be what a later restore puts back and a removal is measured against.
          if (REPAIR_WORK.includes(rt.workKind() ?? '')) continue;
          const win: HealthWindow = { healthySince: since, now: ctx.clock.now() };
          const instanceStart = rt.instanceStartedMs();
          if (instanceStart !== null) win.startedAt = instanceStart;
          const lastPassAt = lastPassOf(rt.status().probes);
          if (lastPassAt !== undefined) win.lastPassAt = lastPassAt;
          const invalidAt = configInvalidAtOf(rt.status().probes);
          if (invalidAt !== undefined) win.configInvalidAt = invalidAt;
          if (stopped) return;
          const r = await maybeRecordLastKnownGood({ ...doctorContext(rt.config, ctx, undefined, stores), signal: aborter.signal }, win).catch(() => undefined);
          if (stamp !== undefined && (r?.reason === 'unchanged' || r?.reason === 'recorded')) settled.set(rt.name, { stamp, at: ctx.clock.monotonic() });
        }
      };
      // The tick in flight: stop() waits for it, so a validator it started is gone (its kill grace is 2 s) before the
      // daemon says it stopped, and no validator outlives the daemon.
      let inFlight: Promise<void> | undefined;
      const loop = (): void => {
        if (stopped) return;
        timer = ctx.clock.setTimeout(() => {
          inFlight = tick()
            .catch(() => undefined)
            .finally(() => {
              inFlight = undefined;
              loop();
            });
        }, delayToGrid(ctx.clock, intervalMs));
      };
      loop();
      return {
        stop: async () => {
          stopped = true;
          timer?.cancel();
          aborter.abort();
          if (inFlight) {
            const bound = new AbortController();
            await Promise.race([inFlight, ctx.clock.sleep(STOP_WAIT_MS, bound.signal).catch(() => undefined)]);
            bound.abort();
          }
        },
      };
    },
  };
}
