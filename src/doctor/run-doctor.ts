// One doctor pass: every rule detects, fixable findings are fixed and verified, and every step is journaled.
import type { ClawbackEvent } from '../observe/events.js';
import type { DoctorContext, Finding, FixOutcome, RepairRule } from './types.js';
import { missingDirsRule } from './rule-missing-dirs.js';
import { stalePidfileRule } from './rule-stale-pidfile.js';
import { staleLockRule } from './rule-stale-lock.js';
import { openclawStateOwnerRule } from './rule-openclaw-state-owner.js';
import { brokenInstallRule } from './rule-broken-install.js';
import { openclawGatewayModeRule } from './rule-openclaw-gateway-mode.js';
import { configRestoreRule } from './rule-config-restore.js';
import { repairValidationsMs } from './repair-bounds.js';
import { portHolderRule } from './rule-port-holder.js';
import { diskSpaceRule, type DiskSpaceOptions } from './rule-disk-space.js';
import { SERVICE_DOCTOR, serviceDoctorRule, type ServiceDoctorOptions } from './rule-service-doctor.js';
import { readCurrent, snapshotBeforeRepair } from './safe-user-write.js';
import { takeRepairLock } from './repair-lock.js';
import type { LockOwner } from '../platform/file-lock.js';
import { cutByPerson } from './cut-cause.js';

/**
 * Exit codes of a doctor run (and of `clawback doctor`):
 * 0 healthy: no findings; 1 there were findings and all were fixed and verified; 2 findings are left.
 */
export const DOCTOR_EXIT = { HEALTHY: 0, FIXED: 1, FINDINGS_LEFT: 2 } as const;
export type DoctorExitCode = 0 | 1 | 2;

/**
 * How `clawback doctor` ends when it could not reach an outcome: codes no outcome uses (sysexits.h), so a crash, a typo
 * or an invalid config never reads as "all fixed" (1) or "findings left" (2). Unknown service stays 4 (README).
 */
export const DOCTOR_FAILED = { USAGE: 64, SOFTWARE: 70, CONFIG: 78 } as const;

export interface RunDoctorOptions {
  fix: boolean;
  /** Default: defaultRules(). */
  rules?: RepairRule[];
  /** Stamped on every event. */
  incidentId?: string;
  /** With fix: how long to wait for another process's repair of this service to end. Default: the service's doctor.timeout. */
  lockWaitMs?: number;
  /** With fix: told once when another process is repairing this service and this run waits for it. */
  onLockWait?: (owner: LockOwner | null) => void;
  /** With fix: the caller already holds the service's repair lock (takeRepairLock) around this run and its own reads. */
  lockHeld?: boolean;
}

export const REPAIR_LOCK = 'repair-lock';

export interface DoctorReport {
  findings: Finding[];
  outcomes: FixOutcome[];
  exitCode: DoctorExitCode;
}

export interface DefaultRulesOptions {
  diskSpace?: DiskSpaceOptions;
  serviceDoctor?: ServiceDoctorOptions;
}

/** Missing dirs, stale pid files and locks, another state-dir owner, config restore, port holder, disk space, then the service's own doctor. */
export function defaultRules(opts: DefaultRulesOptions = {}): RepairRule[] {
  return [missingDirsRule(), stalePidfileRule(), staleLockRule(), openclawStateOwnerRule(), brokenInstallRule(), configRestoreRule(), openclawGatewayModeRule(), portHolderRule(), diskSpaceRule(opts.diskSpace), serviceDoctorRule({ configRepairedElsewhere: true, ...opts.serviceDoctor })];
}

/** Pure: the exit code for a run's findings and outcomes. */
export function doctorExitCode(findings: readonly Finding[], outcomes: readonly FixOutcome[]): DoctorExitCode {
  if (findings.length === 0) return DOCTOR_EXIT.HEALTHY;
  const resolved = new Set(outcomes.filter((o) => o.verified).map((o) => o.finding.id));
  // An advisory finding left over does not count against a run that fixed something; alone, it is still "left".
  const left = findings.filter((f) => !resolved.has(f.id) && !f.advisory);
  return left.length === 0 && findings.some((f) => resolved.has(f.id)) ? DOCTOR_EXIT.FIXED : DOCTOR_EXIT.FINDINGS_LEFT;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * How long a repairing run waits for another run's repair lock: that run holds it for its whole pass, every validator
 * run it may make included (REPAIR_VALIDATIONS_MAX: a restore alone validates up to 10 copies), not for doctor.timeout
 * alone. Counting two validator runs, a second `doctor --fix` gave up on a holder still validating copies. Counted as
 * the reducer's deadline counts them (repairValidationsMs): with no validateCommand none runs, and counting the default
 * validateTimeout anyway made a waiter wait 675 s for a holder that can hold 105 s.
 */
export function repairLockWaitMs(service: DoctorContext['service']): number {
  return service.doctor.timeout + repairValidationsMs(service.configFile) + 15_000;
}

/** The report of a repairing run that could not take the service's repair lock in waitMs: nothing was changed. */
function repairLockRefused(ctx: DoctorContext, opts: Pick<RunDoctorOptions, 'incidentId'>, owner: LockOwner | null, waitMs: number): DoctorReport {
  const who = owner ? `pid ${owner.pid}${owner.pid === ctx.daemonPid ? ', the clawback daemon' : ''}` : 'another process';
  const f: Finding = {
    id: `${REPAIR_LOCK}:${ctx.service.name}`,
    rule: REPAIR_LOCK,
    severity: 'warning',
    title: `another doctor run is repairing ${ctx.service.name}`,
    evidence: `${who} still held ${ctx.service.name}'s repair lock after ${Math.round(waitMs / 1000)} s; nothing was changed by this run`,
    fix: 'wait for that run to end (clawback status, the journal), then run again',
    fixable: false,
  };
  const ev: ClawbackEvent = { type: 'doctor.finding', severity: f.severity, time: ctx.clock.now(), service: ctx.service.name, level: 2, message: `${ctx.service.name}: ${f.title} (${f.evidence})`, details: { rule: f.rule, findingId: f.id, fixable: false, fix: f.fix ?? null } };
  if (opts.incidentId !== undefined) ev.incidentId = opts.incidentId;
  ctx.emit(ev);
  return { findings: [f], outcomes: [], exitCode: DOCTOR_EXIT.FINDINGS_LEFT };
}

/**
 * Runs `run` holding the service's repair lock (see repair-lock.ts); when another run keeps it past the wait, `refused`
 * turns the "another doctor run is repairing" report (emitted) into the caller's answer and `run` is not called.
 */
export async function withRepairLock<T>(
  ctx: DoctorContext,
  opts: Pick<RunDoctorOptions, 'incidentId' | 'lockWaitMs' | 'onLockWait'>,
  run: () => Promise<T>,
  refused: (report: DoctorReport) => T,
): Promise<T> {
  const waitMs = opts.lockWaitMs ?? repairLockWaitMs(ctx.service);
  const configPath = ctx.service.configFile?.path;
  const lock = await takeRepairLock(ctx.stateDir, ctx.service.name, { clock: ctx.clock, waitMs, ...(configPath !== undefined ? { configPath } : {}), ...(ctx.signal ? { signal: ctx.signal } : {}), ...(opts.onLockWait ? { onWait: opts.onLockWait } : {}) });
  if (!lock.ok) return refused(repairLockRefused(ctx, opts, lock.owner, waitMs));
  try {
    return await run();
  } finally {
    await lock.release();
  }
}

/**
 * A repair that worked but may have cost a person's protected setting (a token set since the copy it restored, one that
 * differs from the broken file's): a green "resolved" alert hid its WARNING; it goes out as a warning.
 */
function protectedAtRisk(o: FixOutcome): boolean {
  const named = (key: string): boolean => Array.isArray(o.details?.[key]) && (o.details[key] as unknown[]).length > 0;
  return named('protectedNotCarried') || named('protectedChanged');
}

/** A repairing run holds the service's repair lock throughout (see repair-lock.ts); a diagnosis needs none. */
export async function runDoctor(ctx: DoctorContext, opts: RunDoctorOptions): Promise<DoctorReport> {
  if (!opts.fix || opts.lockHeld) return runDoctorPass(ctx, opts);
  return withRepairLock(ctx, opts, () => runDoctorPass(ctx, opts), (report) => report);
}

async function runDoctorPass(callerCtx: DoctorContext, opts: RunDoctorOptions): Promise<DoctorReport> {
  // The same bytes are validated once per run (rules ask about the same file; a validator can take 30 s).
  const ctx: DoctorContext = callerCtx.validity ? callerCtx : { ...callerCtx, validity: new Map() };
  const rules = opts.rules ?? defaultRules();
  const findings: Finding[] = [];
  const outcomes: FixOutcome[] = [];
  const ruleOf = new Map<string, RepairRule>();
  let snapshotted = false;

  const emit = (e: Omit<ClawbackEvent, 'time' | 'service' | 'level' | 'incidentId'>): void => {
    const ev: ClawbackEvent = { ...e, time: ctx.clock.now(), service: ctx.service.name, level: 2 };
    if (opts.incidentId !== undefined) ev.incidentId = opts.incidentId;
    ctx.emit(ev);
  };
  const record = (o: FixOutcome, severity?: 'warning' | 'info'): void => {
    outcomes.push(o);
    emit({
      type: 'doctor.repair',
      severity: severity ?? (o.verified ? (protectedAtRisk(o) ? 'warning' : 'resolved') : o.applied ? 'warning' : 'critical'),
      message: `${ctx.service.name}: ${o.finding.title}: ${o.message}${o.verified ? '' : o.applied ? ' (not verified)' : ''}`,
      details: {
        ...o.details,
        rule: o.finding.rule,
        findingId: o.finding.id,
        applied: o.applied,
        verified: o.verified,
        before: o.before ?? null,
        after: o.after ?? null,
      },
    });
  };
  // Belt and braces: the config's bytes as they were before this run touched anything. Not a gate: a repair that writes
  // the config keeps its own pre-repair snapshot first and refuses without it; one that leaves the config alone (a stale
  // pid file, rotated logs on a full disk) is not refused because the state dir cannot take a copy of a file it keeps.
  const snapshotOnce = async (): Promise<void> => {
    if (snapshotted || !ctx.service.configFile) return;
    snapshotted = true;
    try {
      const current = await readCurrent(ctx.service.configFile.path);
      await snapshotBeforeRepair(ctx.snapshots, ctx.service.configFile.path, current, 'before doctor run');
    } catch (err) {
      emit({
        type: 'doctor.finding',
        severity: 'warning',
        message: `${ctx.service.name}: the config could not be copied before this run's repairs (${errorText(err)}); a repair that writes it keeps its own copy first or refuses`,
        details: { rule: 'run-snapshot', findingId: `run-snapshot:${ctx.service.name}`, fixable: false, fix: null },
      });
    }
  };

  // A finding that blocks repairs (another process owns the state dir): later rules only report; nothing is rewritten
  // under that live process, and the service's own doctor, which fails the same way, is not run.
  let blocker: Finding | undefined;
  for (const rule of rules) {
    if (ctx.signal?.aborted) break;
    if (rule.id === SERVICE_DOCTOR && (!opts.fix || blocker)) continue;
    let detected: Finding[];
    try {
      detected = await rule.detect(ctx);
    } catch (err) {
      detected = [{ id: `${rule.id}:error`, rule: rule.id, severity: 'warning', title: `rule ${rule.id} could not run`, evidence: errorText(err), fixable: false }];
    }
    // Cancelled meanwhile (a person's stop): what it found is the cancellation ("validateCommand was cancelled"), not the service.
    if (ctx.signal?.aborted) break;
    for (const f of detected) {
      ruleOf.set(f.id, rule);
      findings.push(f);
      emit({
        type: 'doctor.finding',
        severity: f.severity,
        message: `${ctx.service.name}: ${f.title} (${f.evidence})`,
        // title: a `clawback doctor --fix` the daemon ran prints its report from these events.
        details: { rule: f.rule, findingId: f.id, title: f.title, fixable: f.fixable, fix: f.fix ?? null },
      });
    }
    if (!opts.fix) continue;
    blocker ??= detected.find((x) => x.blocksRepairs);
    if (blocker) continue;
    for (const f of detected.filter((x) => x.fixable)) {
      if (ctx.signal?.aborted) break;
      let outcome: FixOutcome;
      try {
        await snapshotOnce();
        outcome = await rule.fix(ctx, f);
      } catch (err) {
        if (ctx.signal?.aborted) break;
        record({ finding: f, applied: false, verified: false, message: `fix failed: ${errorText(err)}` });
        continue;
      }
      // A fix cut short by the cancellation changed nothing: no failed repair to report. One that changed a file is said,
      // and so is a restore walk the cut stopped (how many copies it did not try, the file left untouched), and the
      // service's own doctor killed after it wrote the config, its write rolled back (its version kept as evidence): left
      // unsaid, a *.corrupt-* file appeared beside the config with no word in the journal of what wrote it or why.
      if (ctx.signal?.aborted && !outcome.applied) {
        // A cut is no failed repair: a person's own stop pages nobody (info), the deadline's is a warning.
        if (outcome.details?.cut === true) record(outcome, cutByPerson(ctx.signal) ? 'info' : 'warning');
        else if (outcome.details?.rolledBack === true) record(outcome, 'warning');
        break;
      }
      let verified = false;
      try {
        verified = await rule.verify(ctx, f);
      } catch {
        verified = false;
      }
      record({ ...outcome, verified });
    }
  }

  // A finding one rule could not fix may have been fixed by a later one (the service's doctor repairing a config).
  if (opts.fix && !ctx.signal?.aborted) {
    for (const f of findings) {
      if (outcomes.some((o) => o.finding.id === f.id && o.verified)) continue;
      const rule = ruleOf.get(f.id);
      if (!rule || f.id.endsWith(':error')) continue;
      const ok = await rule.verify(ctx, f).catch(() => false);
      if (ok) record({ finding: f, applied: false, verified: true, message: 'resolved by a later repair in this run' });
    }
  }

  return { findings, outcomes, exitCode: doctorExitCode(findings, outcomes) };
}
