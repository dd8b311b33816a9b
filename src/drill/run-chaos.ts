// `clawback drill chaos`: random faults from the catalogue on a seeded schedule against the live daemon, measured from outside the whole time.
import os from 'node:os';
import { underDaemonStopWatch } from './daemon-stop-watch.js';
import { VERSION } from '../version.js';
import type { ScenarioName } from './scenario-catalog.js';
import { PausedByPerson, SCENARIOS, prepare, skippedScenarios } from './run-drill.js';
import { journalSince, settleAfterDrill, waitSteady, type DrillContext, type ScenarioRun } from './drill-context.js';
import { eventsInWindow, measureTrial } from './journal-measure.js';
import { levelThreeNote } from './level-three-note.js';
import { chaosSchedule, type PlannedFault } from './chaos-schedule.js';
import { availabilityOf, downtimeMs, downtimeWithin, ttrWithin } from './availability.js';
import { startOutsidePoll } from './outside-poll.js';
import { startDaemonUsage } from './daemon-usage.js';
import { httpStatusOf, isServing } from './serving-check.js';
import { servingLookMs } from './target.js';
import {
  alertsPerIncident,
  daemonUsageOf,
  falseRestarts,
  neededHuman,
  recoveredWithoutHumanRate,
  restartEvents,
  summarizeKinds,
  type ChaosFault,
  type ChaosReport,
} from './chaos-result.js';
import { progressLine } from './chaos-report.js';

/** Kinds chaos never picks, and why. */
export const CHAOS_EXCLUDED: Readonly<Partial<Record<ScenarioName, string>>> = {
  nuclear: 'nuclear moves the state directory (and the journal the chaos report is read from) aside',
};

/** The kinds chaos picks from by default: the whole catalogue except the excluded ones. */
export function defaultChaosKinds(all: readonly ScenarioName[]): ScenarioName[] {
  return all.filter((k) => !(k in CHAOS_EXCLUDED));
}

export interface ChaosOptions {
  durationMs: number;
  meanIntervalMs: number;
  seed: number;
  kinds: ScenarioName[];
  /** Poll this URL (GET, 2xx = up) instead of the service's own health check. */
  pollUrl?: string;
  pollIntervalMs: number;
  /** Daemon CPU/RSS sampling pace; default 5 s. */
  usageIntervalMs?: number;
  command: string;
  /** Called about once a second with the live line. */
  progress(line: string): void;
}

function aborted(ctx: DrillContext): boolean {
  return ctx.signal?.aborted ?? false;
}

async function sleepUntil(ctx: DrillContext, mono: number): Promise<void> {
  const left = mono - ctx.clock.monotonic();
  if (left > 0) await ctx.clock.sleep(left, ctx.signal).catch(() => undefined);
}

interface FaultRun {
  plan: PlannedFault;
  scheduledAt: number;
  run: ScenarioRun;
  endedAt: number;
}

async function oneFault(ctx: DrillContext, plan: PlannedFault, scheduledAt: number, trialOfKind: number, byPerson: () => string | undefined): Promise<FaultRun | string> {
  let before;
  try {
    before = await prepare(ctx);
  } catch (err) {
    if (err instanceof PausedByPerson) return `fault #${plan.n} (${plan.kind}) not injected: ${err.message}`;
    throw err;
  }
  if (!before) return `fault #${plan.n} (${plan.kind}) not injected: the service was not steady (healthy, no incident) before it, even after one resume`;
  if (aborted(ctx)) return `fault #${plan.n} (${plan.kind}) not injected: interrupted`;
  let run: ScenarioRun;
  // A scenario that throws has struck already: its window starts here, so the restarts it caused are not "false".
  const triedAt = ctx.clock.now();
  try {
    run = await SCENARIOS[plan.kind].run(ctx, trialOfKind, before);
  } catch (err) {
    run = { faultAt: triedAt, recovered: false, recoverMs: null, recoverFrom: 'fault', asExpected: false, outcome: `error: ${(err as Error).message}`, notes: [] };
  } finally {
    ctx.restore.unwindAll();
  }
  const putBack = ctx.restore.takeUnwound();
  if (putBack.length) run.notes.push(`put back ${aborted(ctx) ? 'at the interruption' : 'after the fault'}: ${putBack.join('; ')}`);
  if (aborted(ctx)) run.outcome = `interrupted: ${byPerson() ? `${byPerson()!}; ` : ''}${run.outcome}`;
  // The fault's window lasts until the daemon agrees it is over (healthy, incident closed).
  else if (run.recovered) await waitSteady(ctx, Math.min(ctx.timeoutMs, 60_000));
  return { plan, scheduledAt, run, endedAt: ctx.clock.now() };
}

/** A person's stop of the daemon ends the soak as Ctrl-C does (see runDrill): every wait follows the watched signal. */
export async function runChaos(outer: DrillContext, o: ChaosOptions): Promise<ChaosReport> {
  return underDaemonStopWatch(outer, (ctx, byPerson) => runFaults(ctx, o, byPerson));
}

async function runFaults(ctx: DrillContext, o: ChaosOptions, byPerson: () => string | undefined): Promise<ChaosReport> {
  const notes: string[] = [];
  const skipped = skippedScenarios(ctx, o.kinds);
  for (const [k, why] of skipped) notes.push(`${k} left out: ${why}`);
  const kinds = o.kinds.filter((k) => !skipped.has(k));
  const service = ctx.target.service.name;
  const startedAt = ctx.clock.now();
  const startMono = ctx.clock.monotonic();
  const endMono = startMono + o.durationMs;
  const plan = kinds.length ? chaosSchedule({ seed: o.seed, durationMs: o.durationMs, meanIntervalMs: o.meanIntervalMs, kinds }) : [];
  if (!kinds.length) notes.push('no fault kind applies to this service: the run only measured availability');

  const pollUrl = o.pollUrl;
  // One look may take as long as the daemon's own probe allows an answer: a slow answer is an answer, not an outage.
  const lookMs = servingLookMs(ctx.target.service);
  const check = pollUrl
    ? async () => {
        const s = await httpStatusOf(pollUrl, lookMs);
        return s >= 200 && s < 300;
      }
    : () => isServing(ctx.target.check, ctx.link, service, lookMs);
  const poll = startOutsidePoll(check, ctx.clock, o.pollIntervalMs);
  const usage = startDaemonUsage(ctx.target.stateDir, ctx.clock, o.usageIntervalMs ?? 5000);
  const runs: FaultRun[] = [];
  let inFlight: string | null = null;
  let ticker: { cancel(): void } | undefined;
  const tick = (): void => {
    const t = poll.tracker;
    o.progress(progressLine({ elapsedMs: ctx.clock.monotonic() - startMono, plannedMs: o.durationMs, faults: runs.length + (inFlight ? 1 : 0), inFlight, availability: availabilityOf(t.outages, t.first, t.last), down: t.down() }));
    ticker = ctx.clock.setTimeout(tick, 1000);
  };
  ticker = ctx.clock.setTimeout(tick, 1000);
  const perKind = new Map<ScenarioName, number>();
  try {
    for (const p of plan) {
      await sleepUntil(ctx, startMono + p.atMs);
      if (aborted(ctx) || ctx.clock.monotonic() >= endMono) break;
      inFlight = `#${p.n} ${p.kind}`;
      perKind.set(p.kind, (perKind.get(p.kind) ?? 0) + 1);
      const r = await oneFault(ctx, p, startedAt + p.atMs, perKind.get(p.kind)!, byPerson);
      inFlight = null;
      if (typeof r === 'string') notes.push(r);
      else runs.push(r);
    }
    await sleepUntil(ctx, endMono);
  } finally {
    ticker?.cancel();
    usage.stop();
    await poll.stop();
    ctx.restore.unwindAll();
  }
  const stopText = aborted(ctx) ? byPerson() : undefined;
  const stoppedEarly = stopText ? `interrupted: ${stopText}` : aborted(ctx) ? 'interrupted (Ctrl-C / SIGTERM)' : null;
  // A daemon a person stopped is left stopped: nothing to settle, no wait for a daemon that will not answer.
  if (stopText) notes.push(`left as a person set it: ${stopText}; the drill did not start it again`);
  else notes.push(...(await settleAfterDrill(ctx, stoppedEarly ? 'the interruption' : 'the drill')));
  const finishedAt = ctx.clock.now();
  const events = await journalSince(ctx, startedAt).catch(() => []);
  const inRun = events.filter((e) => e.time <= finishedAt);
  const t = poll.tracker;
  const outages = t.outages;
  const faults: ChaosFault[] = runs.map(({ plan: p, scheduledAt, run, endedAt }) => {
    const window = { service, from: run.faultAt, to: endedAt, includeDaemonEvents: run.includeDaemonEvents ?? false, channels: ctx.target.channels };
    const m = measureTrial(inRun, window);
    const agents = levelThreeNote(eventsInWindow(inRun, window));
    const base = { recovered: run.recovered, recoverFrom: run.recoverFrom, level: m.level };
    return {
      n: p.n,
      kind: p.kind,
      scheduledAt,
      injectedAt: run.faultAt,
      endedAt,
      ...base,
      neededHuman: neededHuman(base),
      asExpected: run.asExpected,
      outcome: run.outcome,
      detectMs: m.detectMs,
      drillRecoverMs: run.recoverMs,
      ttrMs: ttrWithin(outages, run.faultAt, endedAt),
      downMs: downtimeWithin(outages, run.faultAt, endedAt),
      alerts: m.alerts,
      incidentIds: m.incidentIds,
      notes: agents ? [...run.notes, agents] : run.notes,
    };
  });
  const down = downtimeMs(outages);
  const explained = faults.reduce((s, f) => s + f.downMs, 0);
  const api = alertsPerIncident(inRun, service, ctx.target.channels);
  const polledTarget = pollUrl ?? (ctx.target.check.kind === 'http' ? ctx.target.check.url : ctx.target.check.kind === 'tcp' ? `tcp ${ctx.target.check.host}:${ctx.target.check.port}` : 'daemon status');
  return {
    kind: 'chaos',
    startedAt,
    finishedAt,
    plannedDurationMs: o.durationMs,
    stoppedEarly,
    command: o.command,
    seed: o.seed,
    meanIntervalMs: o.meanIntervalMs,
    kinds,
    clawbackVersion: VERSION,
    host: { platform: process.platform, arch: process.arch, node: process.versions.node, cpus: os.cpus().length },
    stateDir: ctx.target.stateDir,
    service,
    poll: { target: polledTarget, intervalMs: o.pollIntervalMs, polls: t.polls, failed: t.failed, first: t.first, last: t.last },
    outages,
    availability: availabilityOf(outages, t.first, t.last),
    downtimeMs: down,
    unexplainedDowntimeMs: Math.max(0, down - explained),
    faults,
    byKind: summarizeKinds(kinds, faults),
    recoveredWithoutHuman: recoveredWithoutHumanRate(faults),
    restarts: restartEvents(inRun, service).length,
    falseRestarts: falseRestarts(inRun, service, faults),
    incidents: api.incidents,
    alerts: api.alerts,
    alertsPerIncident: { mean: api.mean, max: api.max },
    daemon: daemonUsageOf(usage.samples),
    notes: [...notes, ...ctx.reportNotes],
  };
}
