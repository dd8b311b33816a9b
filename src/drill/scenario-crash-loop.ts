// The crash-loop drill: a service that cannot start (every new instance dies at once) must trip the breaker and alert, not loop.
import type { RestartConfig } from '../config/schema.js';
import type { ClawbackEvent } from '../observe/events.js';
import { backoffDelay } from '../supervisor/backoff.js';
import { instanceOf, isOneOf, signalInstance, waitBound, waitForEvent, waitServedByNewInstance, type Instance, type Scenario, type ScenarioRun } from './drill-context.js';
import { formatMs } from './drill-report.js';
import { pollUntil } from './poll.js';

/** Upper bound of the time the breaker needs: every backoff delay at its jitter maximum, plus a start per restart and a margin. */
export function crashLoopBudgetMs(restart: RestartConfig): number {
  let total = 10_000;
  for (let attempt = 0; attempt <= restart.intensity.maxRestarts; attempt++) total += backoffDelay(attempt, restart.backoff, () => 1) + 1500;
  return total;
}

/** The ladder lifted the breaker itself after a doctor repair (journal breaker.resumed, reason "doctor"): not a person's resume. */
export function isDoctorResume(e: ClawbackEvent): boolean {
  return e.type === 'breaker.resumed' && (e.details as { reason?: unknown } | undefined)?.reason === 'doctor';
}

/**
 * The holds that stop a crash loop correctly when the doctor then repairs what the crashes left: the breaker (restart
 * intensity), or exit 78 of the next instance on a stale lock of a killed one, when that instance got to its lock check
 * before the drill's kill. Which wins is a race the drill cannot control (load); the reducer treats both the same
 * afterwards (a fresh window after the doctor, the hold lifted with reason "doctor").
 */
export function crashLoopHoldText(held: { reason: string; detail: string }): string | undefined {
  if (held.reason === 'crash-loop') return 'breaker tripped';
  if (held.reason === 'config') return 'held (config): a new instance refused to start (a prevent-exit code such as 78) before the breaker could trip';
  return undefined;
}

/** After the trip, no new instance may appear for this long. */
const STAYS_DOWN_MS = 2000;

export const crashLoopScenario: Scenario = {
  name: 'crash-loop',
  async run(ctx, _trial, before): Promise<ScenarioRun> {
    const name = ctx.target.service.name;
    const restart = ctx.target.service.restart;
    const budget = Math.max(ctx.timeoutMs, crashLoopBudgetMs(restart));
    const first = instanceOf(before)!;
    const killed: Instance[] = [first];
    const notes: string[] = [`restart intensity ${restart.intensity.maxRestarts} in ${formatMs(restart.intensity.window)}; every new instance killed on sight`];
    const faultAt = ctx.clock.now();
    signalInstance(first, 'SIGKILL');
    // Kill on sight until the daemon stops restarting (held), bounded by the breaker's own budget.
    const held = await pollUntil(
      async () => {
        const s = await ctx.link.service(name);
        if (!s) return undefined;
        if (s.held) return s.held;
        const now = instanceOf(s);
        if (now && !isOneOf(now, killed)) {
          signalInstance(now, 'SIGKILL');
          killed.push(now);
        }
        return undefined;
      },
      { clock: ctx.clock, timeoutMs: budget, intervalMs: 20, ...(ctx.signal ? { signal: ctx.signal } : {}) },
    );
    const kills = killed.length;
    // The measured time, not the budget: an interrupted trial ran for a fraction of it.
    const spent = formatMs(ctx.clock.now() - faultAt);
    if (!held) {
      await ctx.link.action(name, 'resume').catch(() => undefined);
      await waitServedByNewInstance(ctx, killed);
      const outcome = `${kills} kills in ${spent} and the breaker ${ctx.signal?.aborted ? 'had not tripped when the drill was stopped' : 'never tripped'}`;
      return { faultAt, recovered: false, recoverMs: null, recoverFrom: 'fault', asExpected: false, outcome, notes };
    }
    notes.push(`held after ${kills} kill(s): ${held.reason}: ${held.detail}`);
    const alert = await waitForEvent(ctx, faultAt, (e) => e.type === 'breaker.tripped' || e.type === 'incident.escalated', 5000);
    // Not looping: no new instance while held.
    const loopedAgain = await pollUntil(
      async () => {
        const s = await ctx.link.service(name);
        const now = instanceOf(s);
        return now !== undefined && !isOneOf(now, killed);
      },
      { clock: ctx.clock, timeoutMs: STAYS_DOWN_MS, intervalMs: 100 },
    );
    // A start after the doctor repaired what the crashes left (a stale lock of a SIGKILLed instance: OpenClaw's lockFiles)
    // is the ladder at work, not a loop: it lifted its own hold, so there is no hold to release and no `resume` to send.
    // The ladder's run after the trip (the doctor removing what the crashes left, a slow config validator) can outlast
    // STAYS_DOWN_MS on a loaded machine: a `resume` sent then cancelled it ("a person asked to resume it") and the drill
    // counted the doctor's recovery as its own release. Wait, bounded, until the hold is lifted or nothing is at work.
    const settled = loopedAgain
      ? true
      : await pollUntil(
          async () => {
            const s = await ctx.link.service(name);
            return s !== undefined && (!s.held || !s.work);
          },
          { clock: ctx.clock, timeoutMs: ctx.timeoutMs, intervalMs: 100, ...(ctx.signal ? { signal: ctx.signal } : {}) },
        );
    const repaired = settled ? await waitForEvent(ctx, faultAt, (e) => e.time >= held.since && isDoctorResume(e), 1000) : undefined;
    if (repaired) {
      const back = await waitServedByNewInstance(ctx, killed);
      const holdText = crashLoopHoldText(held);
      const parts = [
        `${kills} instance(s) killed`,
        holdText ?? `held (${held.reason})`,
        alert ? `alert: ${alert.type}` : 'NO alert event',
        'the doctor repaired what the crashes left and restarted it (no blind loop)',
        back !== undefined ? 'serving' : 'not serving after the repair',
      ];
      return {
        faultAt,
        recovered: back !== undefined,
        recoverMs: back === undefined ? null : back - faultAt,
        recoverFrom: 'fault',
        asExpected: holdText !== undefined && alert !== undefined && back !== undefined,
        outcome: parts.join('; '),
        notes,
      };
    }
    if (!settled) {
      const s = await ctx.link.service(name).catch(() => undefined);
      const why = s?.work ? `the ladder's ${s.work.kind} run was still at work ${waitBound(ctx)}` : `it did not settle ${waitBound(ctx)}`;
      const outcome = `${kills} instance(s) killed; ${crashLoopHoldText(held) ?? `held (${held.reason})`}; ${why}: no resume sent over it`;
      return { faultAt, recovered: false, recoverMs: null, recoverFrom: 'fault', asExpected: false, outcome, notes };
    }
    const releaseAt = ctx.clock.now();
    await ctx.link.action(name, 'resume');
    const back = await waitServedByNewInstance(ctx, killed);
    // A config hold (a new instance exited 78 before the breaker could trip) stops the loop as the breaker does: held,
    // alerted, down until a person resumes it, also when the doctor found nothing to repair. It passes, named as such.
    const holdText = crashLoopHoldText(held);
    const parts = [
      `${kills} instance(s) killed`,
      holdText ?? `held (${held.reason}): not a hold that stops a crash loop`,
      alert ? `alert: ${alert.type}` : 'NO alert event',
      loopedAgain ? 'but it started again while held' : `stayed down ${formatMs(STAYS_DOWN_MS)}`,
      back !== undefined ? (loopedAgain ? 'serving (it was before the resume)' : 'serving after resume') : 'not serving after resume',
    ];
    return {
      faultAt,
      recovered: back !== undefined,
      // Served before the release: there is no time from the release to measure.
      recoverMs: back === undefined || loopedAgain ? null : back - releaseAt,
      recoverFrom: 'release',
      asExpected: holdText !== undefined && alert !== undefined && !loopedAgain && back !== undefined,
      outcome: parts.join('; '),
      notes,
    };
  },
};
