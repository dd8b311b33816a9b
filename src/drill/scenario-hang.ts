// Level 1 drills: a real hang (SIGSTOP, no help from the app) and a memory leak through the service's own fault switch.
import { instanceOf, signalInstance, stillRuns, servedAgainRun, waitServedByNewInstance, waitBound, type Scenario, type ScenarioRun } from './drill-context.js';
import { postSwitch } from './fault-switch.js';

const MIB = 1024 * 1024;

export const hangScenario: Scenario = {
  name: 'hang',
  provedBy: { types: ['service.unhealthy'], what: 'watchdog verdict (service.unhealthy)', probeKinds: ['http', 'tcp', 'hang'] },
  notApplicable(ctx) {
    const judged = ctx.target.service.probes.some((p) => ['http', 'tcp', 'hang'].includes(p.kind) && p.action === 'restart');
    return judged ? undefined : 'no http, tcp or hang probe with action restart: nothing could notice a hang';
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
      return servedAgainRun(faultAt, back, `SIGSTOP pid ${pid}: judged hung, replaced, serving`, `SIGSTOP pid ${pid}: not replaced ${waitBound(ctx)}`);
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
