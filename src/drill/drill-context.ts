// What every scenario gets (daemon link, target, clock, undo stack) and the steps they share: settle, fresh window, wait for recovery.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Clock } from '../platform/clock.js';
import { isSameProcess, processStartTime } from '../platform/proc.js';
import type { ClawbackEvent } from '../observe/events.js';
import { readJournal } from '../observe/journal-read.js';
import type { ServiceStatus } from '../daemon/service-runtime.js';
import type { ScenarioName } from './scenario-catalog.js';
import type { DaemonLink } from './daemon-link.js';
import type { DrillTarget } from './target.js';
import type { RestoreStack } from './restore-stack.js';
import { isServing } from './serving-check.js';
import { formatMs } from './drill-report.js';
import { pollUntil } from './poll.js';
import { article, pausedByPerson, standingBy } from './target.js';
import { openedByProbeKind, probeKindsByName, type JournalProof } from './journal-measure.js';
import type { ProbeKind } from '../probes/probe-schema.js';

export interface DrillContext {
  clock: Clock;
  link: DaemonLink;
  target: DrillTarget;
  restore: RestoreStack;
  say(line: string): void;
  /** Bound of every single wait, ms. */
  timeoutMs: number;
  /** Crashes per crash-storm trial. */
  stormSize: number;
  /** The `clawback` entry script, to run `clawback guardian --once`. */
  cliEntry: string;
  /** Lines for the report's "Afterwards" section. */
  reportNotes: string[];
  signal?: AbortSignal;
  /** When the drill began (epoch ms): an incident or hold from before it is not the drill's to lift. */
  startedAt: number;
  /**
   * The probe kinds the drill's faults can trip, when every scenario of the run names them (see JournalProof): an
   * incident another probe's verdict opened is not the drill's to lift. Undefined: any incident since startedAt may be.
   */
  ownProbeKinds?: readonly ProbeKind[];
}

/** What a scenario reports about one trial; the journal measures are added by the runner. */
export interface ScenarioRun {
  faultAt: number;
  recovered: boolean;
  recoverMs: number | null;
  recoverFrom: 'fault' | 'release' | 'return';
  asExpected: boolean;
  outcome: string;
  notes: string[];
  /** Count daemon events (no service field) too: daemon-kill, nuclear. */
  includeDaemonEvents?: boolean;
}

export interface Scenario {
  name: ScenarioName;
  /** A reason when the scenario cannot apply to this service (the trial is skipped, not failed). */
  notApplicable?(ctx: DrillContext): string | undefined;
  run(ctx: DrillContext, trial: number, before: ServiceStatus): Promise<ScenarioRun>;
  /** Journal events that prove the ladder itself recovered the trial; without one it is no pass (see provenByJournal). */
  provedBy?: JournalProof;
}

/** Ends a trial early with a failed outcome. */
export class TrialFailure extends Error {}

export function journalFile(ctx: DrillContext): string {
  return path.join(ctx.target.stateDir, 'journal.jsonl');
}

export function journalSince(ctx: DrillContext, from: number): Promise<ClawbackEvent[]> {
  return readJournal(journalFile(ctx), { since: from });
}

/** Waits for a journal event of this service (or the daemon) matching pred; undefined at the deadline. */
export function waitForEvent(ctx: DrillContext, from: number, pred: (e: ClawbackEvent) => boolean, timeoutMs = ctx.timeoutMs): Promise<ClawbackEvent | undefined> {
  return pollUntil(async () => (await journalSince(ctx, from)).find((e) => (e.service === undefined || e.service === ctx.target.service.name) && pred(e)), {
    clock: ctx.clock,
    timeoutMs,
    intervalMs: 150,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
}

export function sendSignal(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** True when the service is in a calm state: running, healthy, not held, no open incident, serving (its answer awaited up to lookMs). */
export async function isSteady(ctx: DrillContext, lookMs: number): Promise<ServiceStatus | undefined> {
  const s = await ctx.link.service(ctx.target.service.name);
  if (!s || s.state !== 'running' || s.pid === null || s.health !== 'healthy' || s.held || s.incident) return undefined;
  return (await isServing(ctx.target.check, ctx.link, s.name, lookMs, ctx.signal)) ? s : undefined;
}

export function waitSteady(ctx: DrillContext, timeoutMs = ctx.timeoutMs): Promise<ServiceStatus | undefined> {
  return pollUntil((left) => isSteady(ctx, left), { clock: ctx.clock, timeoutMs, intervalMs: 100, ...(ctx.signal ? { signal: ctx.signal } : {}) });
}

/**
 * Why the drill must not send `resume` now, or undefined. A resume cancels work in flight (a doctor, agent, verify or
 * revert run) and lifts a hold; the drill may only lift what its own faults caused: a hold set, and an incident opened,
 * since the drill began, with no repair at work. Pure.
 */
export function resumeWouldOverrule(s: ServiceStatus, drillStartedAt: number): string | undefined {
  if (s.work) return `${article(s.work.kind)} ${s.work.kind} run is in flight (incident ${s.work.incidentId}): the ladder's recovery is not the drill's to cancel`;
  if (s.held?.reason === 'repair') return `it is held for a repair at work (${s.held.detail})`;
  if (s.incident && s.incident.openedAt < drillStartedAt) return `incident ${s.incident.id} (level ${s.incident.level}) was open before the drill began`;
  if (s.held && s.held.since < drillStartedAt) return `the hold (${s.held.reason}: ${s.held.detail}) was set before the drill began`;
  return undefined;
}

/**
 * Why the service's open incident is not the drill's though it opened during the drill, or undefined: a verdict of a
 * probe none of the drill's faults trips opened it (journal). Its hold and restart window are the ladder's, not the drill's.
 */
export async function openedByOtherCause(ctx: DrillContext, s: ServiceStatus): Promise<string | undefined> {
  const own = ctx.ownProbeKinds;
  if (!own || !s.incident) return undefined;
  const id = s.incident.id;
  const opened = (await journalSince(ctx, ctx.startedAt).catch(() => [])).find((e) => e.type === 'incident.opened' && e.incidentId === id);
  const kind = opened ? openedByProbeKind(opened, probeKindsByName(ctx.target.service.probes)) : undefined;
  if (!kind || own.includes(kind)) return undefined;
  return `incident ${id} was opened by a ${kind} probe (${String(opened!.details?.reason)}), which no fault of this drill trips`;
}

/** resumeWouldOverrule, and an incident of another cause: why the drill must not send `resume` now, or undefined. */
export async function notTheDrills(ctx: DrillContext, s: ServiceStatus): Promise<string | undefined> {
  return resumeWouldOverrule(s, ctx.startedAt) ?? (await openedByOtherCause(ctx, s));
}

/** Restart times the daemon remembers for the service (state.json), for the restart-intensity window. */
export function restartHistory(ctx: DrillContext): number[] | undefined {
  try {
    const state = JSON.parse(readFileSync(path.join(ctx.target.stateDir, 'state.json'), 'utf8')) as {
      services?: Record<string, { record?: { restartHistory?: unknown; backoffAttempt?: unknown } }>;
    };
    const rec = state.services?.[ctx.target.service.name]?.record;
    if (!rec || !Array.isArray(rec.restartHistory)) return undefined;
    return rec.restartHistory.filter((t): t is number => typeof t === 'number');
  } catch {
    return undefined;
  }
}

/** Whether the daemon keeps a flapping series for the service (state.json): the next crash would continue it. */
function flappingSeries(ctx: DrillContext): boolean {
  try {
    const state = JSON.parse(readFileSync(path.join(ctx.target.stateDir, 'state.json'), 'utf8')) as { services?: Record<string, { record?: { flapping?: unknown } }> };
    return !!state.services?.[ctx.target.service.name]?.record?.flapping;
  } catch {
    return false;
  }
}

/**
 * Each trial starts from a clean slate: a restart window or a flapping series left over from earlier trials would
 * trip the breaker early and make the results depend on their order. `resume` forgets the window, the backoff and
 * the series.
 */
export async function freshRestartWindow(ctx: DrillContext): Promise<void> {
  const s = await ctx.link.service(ctx.target.service.name);
  if (s && (await notTheDrills(ctx, s))) return;
  const history = restartHistory(ctx);
  if (history !== undefined && history.length === 0 && !flappingSeries(ctx)) return;
  await ctx.link.action(ctx.target.service.name, 'resume');
}

/**
 * One instance of the service as the daemon reported it. A pid alone names whoever holds that number now: pids are
 * reused (pid_max is often 32768), even by the very restart the drill waits for, so an instance is its pid and start time.
 */
export interface Instance {
  pid: number;
  /** Null when it could not be read (no /proc, no ps): the pid alone, as before. */
  startTime: number | null;
}

/** The instance the daemon reports for the service, if one runs (a daemon that did not say its start time: read now). */
export function instanceOf(s: (Pick<ServiceStatus, 'pid'> & { pidStartTime?: number | null }) | undefined): Instance | undefined {
  return s?.pid ? { pid: s.pid, startTime: s.pidStartTime ?? processStartTime(s.pid) ?? null } : undefined;
}

/** Whether this instance still runs: its pid alive with the same start time. */
export function stillRuns(i: Instance): boolean {
  return isSameProcess(i.pid, i.startTime);
}

function sameInstance(a: Instance, b: Instance): boolean {
  return a.pid === b.pid && (a.startTime === null || b.startTime === null || a.startTime === b.startTime);
}

export function isOneOf(i: Instance, list: readonly Instance[]): boolean {
  return list.some((o) => sameInstance(o, i));
}

/** Signals the instance only while its pid still names it: never a newcomer that took the number. False when it is gone. */
export function signalInstance(i: Instance, signal: NodeJS.Signals): boolean {
  return stillRuns(i) && sendSignal(i.pid, signal);
}

/** Epoch ms when the service serves again from an instance other than the old ones; undefined at the deadline. */
export function waitServedByNewInstance(ctx: DrillContext, old: readonly Instance[], timeoutMs = ctx.timeoutMs): Promise<number | undefined> {
  return pollUntil(
    async (left) => {
      if (old.some(stillRuns)) return undefined;
      return (await isServing(ctx.target.check, ctx.link, ctx.target.service.name, left, ctx.signal)) ? ctx.clock.now() : undefined;
    },
    { clock: ctx.clock, timeoutMs, intervalMs: 50, ...(ctx.signal ? { signal: ctx.signal } : {}) },
  );
}

/** The instance the daemon reports for the service once it differs from every old one (a reused pid counts as new). */
export function waitNewInstance(ctx: DrillContext, old: readonly Instance[], timeoutMs = ctx.timeoutMs): Promise<Instance | undefined> {
  return pollUntil(
    async () => {
      const now = instanceOf(await ctx.link.service(ctx.target.service.name));
      return now && !isOneOf(now, old) && stillRuns(now) ? now : undefined;
    },
    { clock: ctx.clock, timeoutMs, intervalMs: 25, ...(ctx.signal ? { signal: ctx.signal } : {}) },
  );
}

/**
 * How long a wait that ended with nothing waited, for an outcome: "within 2m00s" (its bound), or, when Ctrl-C/SIGTERM
 * cut it short, "before the drill was interrupted": a report said "not serving within 2m00s" of a wait cut after 1 s.
 */
export function waitBound(ctx: Pick<DrillContext, 'timeoutMs' | 'signal'>): string {
  return ctx.signal?.aborted ? 'before the drill was interrupted' : `within ${formatMs(ctx.timeoutMs)}`;
}

export function secondsOf(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

/** A trial that expects the service served again by a new instance after the fault. */
export function servedAgainRun(faultAt: number, back: number | undefined, ok: string, notOk: string): ScenarioRun {
  return {
    faultAt,
    recovered: back !== undefined,
    recoverMs: back === undefined ? null : back - faultAt,
    recoverFrom: 'fault',
    asExpected: back !== undefined,
    outcome: back !== undefined ? ok : notOk,
    notes: [],
  };
}

/**
 * At the end of a drill, interrupted or not: a fault cut short, or a trial that failed, may leave a deliberate hold
 * behind (port-steal, crash-loop, a config the doctor would not restore), now or once its incident escalates. The
 * drill put it there (it refuses to start on a held service), so the drill lifts it, once, and waits for the service
 * to be steady; a service left down is said plainly in the report. Maintenance or a stop a person began meanwhile is
 * left alone. Bounded; the aborted signal is not used for this wait. Returns lines for the report.
 */
export async function settleAfterDrill(ctx: DrillContext, after: 'the interruption' | 'the drill'): Promise<string[]> {
  const notes: string[] = [];
  const service = ctx.target.service.name;
  const waitMs = Math.min(ctx.timeoutMs, 30_000);
  let resumed = false;
  let leftAlone = false;
  let byPerson: string | undefined;
  let standby: string | undefined;
  const settled = await pollUntil(
    async (left) => {
      const s = await ctx.link.service(service);
      const notOurs = s?.held && !resumed ? await notTheDrills(ctx, s) : undefined;
      if (notOurs && !leftAlone) {
        leftAlone = true;
        notes.push(`the service is held (${s!.held!.reason}) after ${after}, not lifted: ${notOurs}; check \`clawback status\``);
      }
      if (notOurs) return s;
      if (s?.held && !resumed) {
        resumed = true;
        await ctx.link.action(service, 'resume');
        notes.push(`the service was held (${s.held.reason}) after ${after}: resumed`);
        return undefined;
      }
      standby = s ? standingBy(s) : undefined;
      if (standby) return s;
      byPerson = s && !s.held ? pausedByPerson(s) : undefined;
      if (byPerson) return s;
      // Not ctx.signal: this wait runs after an interruption too.
      return isSteady({ ...ctx, signal: undefined }, left);
    },
    { clock: ctx.clock, timeoutMs: waitMs, intervalMs: 250 },
  );
  if (standby) notes.push(`not running here any more: ${standby}`);
  else if (byPerson) notes.push(`left as a person set it: ${byPerson}`);
  else if (!settled) notes.push(`the service was NOT steady (running, healthy, serving) within ${secondsOf(waitMs)} after ${after}; check \`clawback status\``);
  return notes;
}
