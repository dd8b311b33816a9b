// Level 1 drills: a real hang (SIGSTOP, no help from the app) and a memory leak through the service's own fault switch.
import { instanceOf, journalSince, secondsOf, signalInstance, stillRuns, servedAgainRun, waitServedByNewInstance, waitBound, type DrillContext, type Scenario, type ScenarioRun } from './drill-context.js';
import { postSwitch } from './fault-switch.js';
import { formatMs } from './drill-report.js';
import type { ProbeConfig } from '../probes/probe-schema.js';

const HANG_JUDGES = ['http', 'tcp', 'hang'];

/**
 * The probe that restarts a hung service soonest, and the longest it may take to judge it hung: its failureThreshold
 * checks, one per interval, the last one running into its timeout. Undefined when none restarts. Pure.
 */
export function hangVerdictBound(probes: readonly ProbeConfig[]): { probe: ProbeConfig; ms: number } | undefined {
  let best: { probe: ProbeConfig; ms: number } | undefined;
  for (const p of probes) {
    if (!HANG_JUDGES.includes(p.kind) || p.action !== 'restart') continue;
    const ms = p.failureThreshold * p.interval + p.timeout;
    if (!best || ms < best.ms) best = { probe: p, ms };
  }
  return best;
}

/**
 * Why a hang was not replaced: with no verdict in the journal since the fault it was never detected, and the user is told
 * which probe would have to judge it, how long it may need, and what to change. Never a recovery time.
 */
async function notReplaced(ctx: DrillContext, pid: number, faultAt: number): Promise<string> {
  const judged = (await journalSince(ctx, faultAt).catch(() => [])).some((e) => e.type === 'service.unhealthy' && e.service === ctx.target.service.name);
  if (judged || ctx.signal?.aborted) return `SIGSTOP pid ${pid}: not replaced ${waitBound(ctx)}`;
  const bound = hangVerdictBound(ctx.target.service.probes);
  if (!bound) return `SIGSTOP pid ${pid}: not detected ${waitBound(ctx)}: no http, tcp or hang probe restarts it`;
  const p = bound.probe;
  const how = `every ${formatMs(p.interval)}, ${p.failureThreshold} failure(s), ${formatMs(p.timeout)} timeout`;
  const change =
    bound.ms > ctx.timeoutMs
      ? `more than the trial's ${secondsOf(ctx.timeoutMs)} bound: run with --timeout ${Math.ceil(bound.ms / 1000) + 30} or more, or lower its interval or failureThreshold`
      : 'check that it reaches the service (its url or port)';
  return `SIGSTOP pid ${pid}: not detected ${waitBound(ctx)}; the ${p.name ?? p.kind} probe (${how}) may need up to ${secondsOf(bound.ms)} to judge it hung, ${change}`;
}

const MIB = 1024 * 1024;

export const hangScenario: Scenario = {
  name: 'hang',
  provedBy: { types: ['service.unhealthy'], what: 'watchdog verdict (service.unhealthy)', probeKinds: ['http', 'tcp', 'hang'] },
  notApplicable(ctx) {
    return hangVerdictBound(ctx.target.service.probes) ? undefined : 'no http, tcp or hang probe with action restart: nothing could notice a hang';
  },
  async run(ctx, _trial, before): Promise<ScenarioRun> {
    // Who was frozen: once the daemon has replaced it, its pid may be another process's (one stopped on purpose, too).
    const inst = instanceOf(before)!;
    const pid = inst.pid;
    const faultAt = ctx.clock.now();
    signalInstance(inst, 'SIGSTOP');
    // Should the trial end early, the process must not stay frozen.
    const thaw = ctx.restore.push(`SIGCONT pid ${pid}`, () => {
      signalInstance(inst, 'SIGCONT');
    });
    try {
      const back = await waitServedByNewInstance(ctx, [inst]);
      return servedAgainRun(faultAt, back, `SIGSTOP pid ${pid}: judged hung, replaced, serving`, back === undefined ? await notReplaced(ctx, pid, faultAt) : '');
    } finally {
      thaw();
    }
  },
};

/** Leak rate and cap for a limit: reach the limit in about 3 s, never retain more than 1.5x the limit. */
/** How long past the trial's timeout the demo gateway's leak switch stays on before it switches itself off. */
const LEAK_OFF_MARGIN_MS = 10_000;

export function leakPlan(limitBytes: number): { mbPerSec: number; maxMb: number } {
  const limitMb = limitBytes / MIB;
  return { mbPerSec: Math.min(500, Math.max(20, Math.round(limitMb / 3))), maxMb: Math.ceil(limitMb * 1.5) + 64 };
}

export const leakScenario: Scenario = {
  name: 'leak',
  provedBy: { types: ['service.unhealthy', 'memory.limit'], what: 'memory verdict (service.unhealthy or memory.limit)', probeKinds: ['memory'] },
  notApplicable(ctx) {
    if (ctx.target.memoryLimit === undefined) return 'not applicable: no memory probe with a limit and action restart';
    if (!ctx.target.leakUrl) return 'not applicable: the service has no leak switch (the demo gateway has POST /fault/leak; others: --leak-url URL)';
    return undefined;
  },
  async run(ctx, _trial, before): Promise<ScenarioRun> {
    const inst = instanceOf(before)!;
    const plan = leakPlan(ctx.target.memoryLimit!);
    const url = new URL(ctx.target.leakUrl!);
    if (url.pathname.endsWith('/fault/leak')) {
      url.searchParams.set('mbPerSec', String(plan.mbPerSec));
      url.searchParams.set('maxMb', String(plan.maxMb));
      // Off by itself after the trial's bound: a drill killed mid-trial (SIGKILL skips the cleanup below) leaves no leak.
      url.searchParams.set('ms', String(ctx.timeoutMs + LEAK_OFF_MARGIN_MS));
    }
    const faultAt = ctx.clock.now();
    const status = await postSwitch(url.toString(), 2000);
    if (status < 200 || status >= 300) {
      return { faultAt, recovered: false, recoverMs: null, recoverFrom: 'fault', asExpected: false, outcome: `the leak switch ${url} answered ${status || 'nothing'}`, notes: [] };
    }
    try {
      const back = await waitServedByNewInstance(ctx, [inst]);
      return servedAgainRun(faultAt, back, `leaking ${plan.mbPerSec} MB/s against a ${Math.round(ctx.target.memoryLimit! / MIB)} MiB limit: restarted, serving`, `leaking ${plan.mbPerSec} MB/s: not restarted ${waitBound(ctx)}`);
    } finally {
      // A leak that was never caught must not stay: switch it off if the instance still lives.
      if (stillRuns(inst) && url.pathname.endsWith('/fault/leak')) await postSwitch(new URL('/fault/reset', url).toString(), 2000).catch(() => 0);
    }
  },
};
