// The shape shared by faults a restart cannot fix (a dependency down, a full disk): take something away, see the service say "not ready" and stay up, give it back, see it ready again.
import type { ServiceStatus } from '../daemon/service-runtime.js';
import { journalSince, waitBound, type DrillContext, type ScenarioRun } from './drill-context.js';
import { formatMs } from './drill-report.js';
import { pollUntil } from './poll.js';
import { httpStatusOf } from './serving-check.js';
import { restartEvents } from './chaos-result.js';

export interface ReadinessFault {
  /** Words for the outcome: "dependency down", "data dir full". */
  label: string;
  readyUrl: string;
  holdMs: number;
  /** Takes the thing away; returns an error text when it could not. */
  take(): Promise<string | undefined>;
  /** Gives it back (the drill's part: a dependency that comes back, or space a human frees). */
  giveBack(): Promise<void> | void;
  /** 'return': the environment came back, no human (dependency). 'release': a human's part (freeing a disk). */
  recoverFrom: 'return' | 'release';
}

/**
 * One look at the readiness URL, its answer awaited up to leftMs: the time left of the wait it belongs to (pollUntil).
 * A slow answer (a loaded machine, a proxy in front) is an answer: a fixed 1 s look missed both the 503 and the 200 of
 * a gateway answering in 1.5 s and failed the trial.
 */
function readyStatus(url: string, leftMs: number, signal?: AbortSignal): Promise<number> {
  return httpStatusOf(url, leftMs, signal);
}

/**
 * Recovered: the same instance ready again after the fault is lifted. As expected: it said "not ready" during the
 * fault, Clawback did not restart it (a restart cannot bring a dependency back or free a disk), and it recovered.
 */
export async function runReadinessFault(ctx: DrillContext, before: ServiceStatus, f: ReadinessFault): Promise<ScenarioRun> {
  const service = ctx.target.service.name;
  const faultAt = ctx.clock.now();
  const notes: string[] = [];
  const failed = await f.take();
  if (failed) return { faultAt, recovered: false, recoverMs: null, recoverFrom: f.recoverFrom, asExpected: false, outcome: `${f.label}: ${failed}`, notes };
  const poll = { clock: ctx.clock, intervalMs: 100, ...(ctx.signal ? { signal: ctx.signal } : {}) };
  // Within the hold: the service must notice (readiness 503), nothing more.
  const notReadyAt = await pollUntil(async (left) => ((await readyStatus(f.readyUrl, left, ctx.signal)) === 503 ? ctx.clock.now() : undefined), { ...poll, timeoutMs: f.holdMs });
  const left = faultAt + f.holdMs - ctx.clock.now();
  if (left > 0) await ctx.clock.sleep(left, ctx.signal).catch(() => undefined);
  const mid = await ctx.link.service(service);
  await f.giveBack();
  const backAt = ctx.clock.now();
  const readyAt = await pollUntil(async (left) => ((await readyStatus(f.readyUrl, left, ctx.signal)) === 200 ? ctx.clock.now() : undefined), { ...poll, timeoutMs: ctx.timeoutMs });
  const after = await ctx.link.service(service);
  const events = await journalSince(ctx, faultAt).catch(() => []);
  const restarts = restartEvents(events, service).length;
  const reported = events.filter((e) => e.service === service && e.type === 'probe.failed').length;
  const samePid = after?.pid === before.pid && mid?.pid === before.pid;
  const recovered = readyAt !== undefined && after?.state === 'running';
  const parts = [
    `${f.label} for ${formatMs(backAt - faultAt)}`,
    notReadyAt !== undefined ? `not ready after ${formatMs(notReadyAt - faultAt)}` : 'never said not ready',
    restarts === 0 ? `no restart (pid ${before.pid} kept)` : `restarted ${restarts} time(s): a restart cannot fix this`,
    readyAt !== undefined ? `ready again ${formatMs(readyAt - backAt)} after the fault was lifted` : `not ready ${ctx.signal?.aborted ? waitBound(ctx) : `${waitBound(ctx)} after the fault was lifted`}`,
  ];
  if (reported > 0) notes.push(`Clawback reported it: ${reported} probe.failed event(s) (a notify-only readiness probe)`);
  else notes.push('no probe.failed event: the service has no readiness probe with action notify, so Clawback saw nothing (as designed: it is live)');
  if (!samePid && restarts === 0) notes.push(`the pid changed (${before.pid} -> ${after?.pid ?? 'none'}) without a restart event`);
  return {
    faultAt,
    recovered,
    recoverMs: readyAt === undefined ? null : readyAt - backAt,
    recoverFrom: f.recoverFrom,
    asExpected: recovered && notReadyAt !== undefined && restarts === 0 && samePid,
    outcome: parts.join('; '),
    notes,
  };
}
