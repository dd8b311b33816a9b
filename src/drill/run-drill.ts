// Runs the chosen scenarios trial by trial against the live daemon, measures each trial from the journal, and builds the report.
import os from 'node:os';
import { VERSION } from '../version.js';
import type { ScenarioName } from './scenario-catalog.js';
import { drillPassed, nothingDrilled, summarize, type DrillReport, type TrialResult } from './drill-result.js';
import { causeOf, deliveredNotifications, eventsInWindow, measureTrial, provenByJournal } from './journal-measure.js';
import { freshRestartWindow, journalSince, notTheDrills, settleAfterDrill, waitSteady, waitBound, type DrillContext, type Scenario, type ScenarioRun } from './drill-context.js';
import { crashScenario, crashStormScenario } from './scenario-crash.js';
import { hangScenario, leakScenario } from './scenario-hang.js';
import { configCorruptScenario } from './scenario-config-corrupt.js';
import { portStealScenario } from './scenario-port-steal.js';
import { crashLoopScenario } from './scenario-crash-loop.js';
import { daemonKillScenario, nuclearScenario } from './scenario-daemon.js';
import { slowStartScenario } from './scenario-slow-start.js';
import { dependencyDownScenario } from './scenario-dependency-down.js';
import { diskFullScenario } from './scenario-disk-full.js';
import { staleLockScenario } from './scenario-stale-lock.js';
import { formatMs, trialLine } from './drill-report.js';
import { backoffNote } from './backoff-note.js';
import { levelThreeNote } from './level-three-note.js';
import { pausedByPerson, standingBy, updateUnderWay } from './target.js';
import { underDaemonStopWatch } from './daemon-stop-watch.js';

export const SCENARIOS: Readonly<Record<ScenarioName, Scenario>> = {
  crash: crashScenario,
  'crash-storm': crashStormScenario,
  hang: hangScenario,
  leak: leakScenario,
  'config-corrupt': configCorruptScenario,
  'port-steal': portStealScenario,
  'crash-loop': crashLoopScenario,
  'slow-start': slowStartScenario,
  'dependency-down': dependencyDownScenario,
  'disk-full': diskFullScenario,
  'stale-lock': staleLockScenario,
  'daemon-kill': daemonKillScenario,
  nuclear: nuclearScenario,
};

export interface RunDrillOptions {
  scenarios: ScenarioName[];
  trials: number;
  /** The command line, for the report. */
  command: string;
}

/** The reasons each scenario would be skipped for this service (for the plan printed before asking). */
export function skippedScenarios(ctx: DrillContext, names: readonly ScenarioName[]): Map<ScenarioName, string> {
  const out = new Map<ScenarioName, string>();
  for (const n of names) {
    const why = SCENARIOS[n].notApplicable?.(ctx);
    if (why) out.set(n, why);
  }
  return out;
}

async function notificationsNow(ctx: DrillContext): Promise<number | null> {
  if (ctx.target.channels.length === 0) return null;
  const text = await ctx.link.metrics();
  return text === undefined ? null : (deliveredNotifications(text) ?? 0);
}

function failedRun(ctx: DrillContext, outcome: string): ScenarioRun {
  return { faultAt: ctx.clock.now(), recovered: false, recoverMs: null, recoverFrom: 'fault', asExpected: false, outcome, notes: [] };
}

/** Gets the service healthy with a fresh restart window; one resume if it is held or stuck. A pause a person made is left alone (throws). */
export async function prepare(ctx: DrillContext) {
  const paused = await pausedNow(ctx);
  if (paused) throw new PausedByPerson(paused);
  let steady = await waitSteady(ctx);
  if (!steady) {
    const pausedMeanwhile = await pausedNow(ctx);
    if (pausedMeanwhile) throw new PausedByPerson(pausedMeanwhile);
    const s = await ctx.link.service(ctx.target.service.name);
    const notOurs = s ? await notTheDrills(ctx, s) : undefined;
    if (notOurs) throw new RecoveryNotOurs(`"${ctx.target.service.name}" did not settle and no \`resume\` was sent: ${notOurs}`);
    // Interrupted (Ctrl-C, a person's stop of the daemon): no `resume` either.
    if (ctx.signal?.aborted) return undefined;
    ctx.say('  the service is not healthy; trying `resume` once');
    await ctx.link.action(ctx.target.service.name, 'resume').catch(() => undefined);
    steady = await waitSteady(ctx);
  }
  if (!steady) return undefined;
  await freshRestartWindow(ctx);
  return steady;
}

/** A person paused the service (maintenance, stop) during the drill: no further fault, no `resume` over their decision. */
export class PausedByPerson extends Error {}

/** The service is in a recovery (work in flight, a hold or an incident) the drill did not cause: no fault, no `resume` over it. */
export class RecoveryNotOurs extends PausedByPerson {}

async function pausedNow(ctx: DrillContext): Promise<string | undefined> {
  const status = await ctx.link.tryStatus();
  const was = ctx.target.configDigest;
  // Reloaded since the drill began: its health URL, probes and files are no longer what the drill judges by.
  if (was && status?.daemon.configDigest && status.daemon.configDigest !== was) {
    return `the daemon reloaded ${ctx.target.configFile ?? 'its config'} since the drill began: the drill judges the service by the config it read at its start; run it again`;
  }
  const s = status?.services.find((x) => x.name === ctx.target.service.name);
  const paused = s ? (standingBy(s) ?? pausedByPerson(s)) : undefined;
  return paused ?? updateUnderWay(ctx.target.service.name, await ctx.link.updateRun(ctx.target.service.name));
}

/**
 * A person's stop of the daemon mid-drill is an interruption, as Ctrl-C is: every wait of every scenario follows the
 * context's signal, so the drill runs with one that a stop also aborts (a trial waited out its full --timeout twice
 * and blamed the service).
 */
export async function runDrill(outer: DrillContext, opts: RunDrillOptions): Promise<DrillReport> {
  return underDaemonStopWatch(outer, (ctx, stopped) => runTrials(ctx, opts, stopped));
}

async function runTrials(ctx: DrillContext, opts: RunDrillOptions, stopped: () => string | undefined): Promise<DrillReport> {
  const startedAt = ctx.clock.now();
  const results: TrialResult[] = [];
  const skipped = skippedScenarios(ctx, opts.scenarios);
  let broken: string | undefined;
  const interrupted = (): boolean => ctx.signal?.aborted ?? false;
  // Whose incidents the drill may lift: those its faults can cause, when every scenario of the run says which.
  const kinds = opts.scenarios.map((n) => SCENARIOS[n].provedBy?.probeKinds);
  if (kinds.every((k) => k !== undefined)) ctx.ownProbeKinds ??= [...new Set(kinds.flat())];
  for (const name of opts.scenarios) {
    const scenario = SCENARIOS[name];
    for (let trial = 1; trial <= opts.trials && !interrupted(); trial++) {
      const skip = skipped.get(name);
      if (skip) {
        results.push(row(name, trial, ctx.clock.now(), { skipped: skip }));
        continue;
      }
      ctx.say(`${name} #${trial}...`);
      let run: ScenarioRun;
      let cut = false;
      let putBackNote: string | undefined;
      const sentBefore = await notificationsNow(ctx);
      if (broken) {
        run = failedRun(ctx, `not run: ${broken}`);
      } else {
        try {
          const before = await prepare(ctx);
          if (!before) {
            const byPerson = stopped();
            broken = ctx.signal?.aborted ? `the drill was interrupted before the trial${byPerson ? ` (${byPerson})` : ''}` : `the service was not healthy ${waitBound(ctx)} before the trial`;
            run = failedRun(ctx, broken);
          } else if (interrupted()) {
            // Ctrl-C/SIGTERM during the set-up: the fault (a SIGKILL, a corrupted file) is not injected after the person
            // asked the drill to stop.
            run = failedRun(ctx, 'before the fault: nothing was injected');
          } else {
            run = await scenario.run(ctx, trial, before);
          }
        } catch (err) {
          if (err instanceof PausedByPerson) broken = `not drilled: ${err.message}`;
          run = failedRun(ctx, err instanceof PausedByPerson ? broken! : `error: ${(err as Error).message}`);
        } finally {
          ctx.restore.unwindAll();
        }
        const putBack = ctx.restore.takeUnwound();
        putBackNote = putBack.length ? `put back ${interrupted() ? 'at the interruption' : 'after the trial'}: ${putBack.join('; ')}` : undefined;
        if (putBackNote) run.notes.push(putBackNote);
        // Let the incident close before reading the journal, so its last events belong to this trial.
        if (interrupted()) {
          cut = true;
          run.asExpected = false;
          const byPerson = stopped();
          run.outcome = `interrupted: ${byPerson ? `${byPerson}; ` : ''}${run.outcome}`;
        } else if (run.recovered) await waitSteady(ctx, Math.min(ctx.timeoutMs, 30_000));
      }
      const to = ctx.clock.now();
      const events = await journalSince(ctx, run.faultAt).catch(() => []);
      const window = {
        service: ctx.target.service.name,
        from: run.faultAt,
        to,
        includeDaemonEvents: run.includeDaemonEvents ?? false,
        channels: ctx.target.channels,
        cause: causeOf(scenario.provedBy, ctx.target.service.probes),
      };
      const m = measureTrial(events, window);
      const judged = provenByJournal(run, scenario.provedBy, events, window);
      const sentAfter = await notificationsNow(ctx);
      const backoff = backoffNote(eventsInWindow(events, window));
      const agents = levelThreeNote(eventsInWindow(events, window));
      const result = row(name, trial, run.faultAt, {
        asExpected: judged.asExpected,
        recovered: run.recovered,
        detectMs: m.detectMs,
        recoverMs: run.recoverMs,
        recoverFrom: run.recoverFrom,
        level: m.level,
        alerts: m.alerts,
        notificationsDelivered: sentBefore !== null && sentAfter !== null ? Math.max(0, sentAfter - sentBefore) : null,
        outcome: judged.outcome,
        notes: [...run.notes, ...(backoff ? [backoff] : []), ...(agents ? [agents] : [])],
        interrupted: cut,
      });
      results.push(result);
      ctx.say(`  ${trialLine(result)} (detect ${formatMs(result.detectMs)}, recover ${formatMs(result.recoverMs)}, level ${result.level ?? '-'})`);
      if (backoff) ctx.say(`  ${backoff}`);
      if (agents) ctx.say(`  ${agents}`);
      if (putBackNote) ctx.say(`  ${putBackNote}`);
    }
  }
  const byPerson = interrupted() ? stopped() : undefined;
  const stoppedEarly = byPerson ? `interrupted: ${byPerson}` : interrupted() ? 'interrupted (Ctrl-C / SIGTERM / SIGHUP)' : null;
  // A failed trial can leave the service held or down as much as an interrupted one: put back what the drill caused.
  // A daemon a person stopped is left stopped: nothing to settle, and no wait for a daemon that will not answer.
  if (byPerson) ctx.reportNotes.push(`left as a person set it: ${byPerson}; the drill did not start it again`);
  else if (!broken?.startsWith('not drilled:')) ctx.reportNotes.push(...(await settleAfterDrill(ctx, stoppedEarly ? 'the interruption' : 'the drill')));
  const status = await ctx.link.tryStatus();
  return {
    startedAt,
    finishedAt: ctx.clock.now(),
    command: opts.command,
    clawbackVersion: VERSION,
    host: { platform: process.platform, arch: process.arch, node: process.versions.node, cpus: os.cpus().length },
    stateDir: ctx.target.stateDir,
    configFile: ctx.target.configFile,
    service: ctx.target.service.name,
    trialsPerScenario: opts.trials,
    summaries: opts.scenarios.map((n) => summarize(n, results)),
    trials: results,
    notes: [...ctx.reportNotes, ...(status ? [] : ['the daemon did not answer at the end of the drill'])],
    stoppedEarly,
    passed: !stoppedEarly && !nothingDrilled(results) && drillPassed(results),
  };
}

function row(scenario: ScenarioName, trial: number, faultAt: number, r: Partial<TrialResult>): TrialResult {
  return {
    scenario,
    trial,
    skipped: null,
    asExpected: false,
    recovered: false,
    detectMs: null,
    recoverMs: null,
    recoverFrom: 'fault',
    level: null,
    alerts: 0,
    notificationsDelivered: null,
    outcome: '',
    notes: [],
    faultAt,
    interrupted: false,
    ...r,
  };
}
