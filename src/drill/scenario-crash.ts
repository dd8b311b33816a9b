// Level 0 drills: one SIGKILL, and a storm of them, each after the previous recovery, against the restart-intensity window.
import type { ServiceStatus } from '../daemon/service-runtime.js';
import { median } from './drill-result.js';
import { instanceOf, isOneOf, signalInstance, waitForEvent, waitServedByNewInstance, waitSteady, servedAgainRun, waitBound, type Instance, type Scenario, type ScenarioRun } from './drill-context.js';
import { formatMs } from './drill-report.js';

export const crashScenario: Scenario = {
  name: 'crash',
  provedBy: { types: ['service.exited'], what: 'exit noticed by the daemon (service.exited)', probeKinds: [] },
  async run(ctx, _trial, before): Promise<ScenarioRun> {
    const inst = instanceOf(before)!;
    const pid = inst.pid;
    const faultAt = ctx.clock.now();
    signalInstance(inst, 'SIGKILL');
    const back = await waitServedByNewInstance(ctx, [inst]);
    return servedAgainRun(faultAt, back, `SIGKILL pid ${pid}: restarted and serving`, `SIGKILL pid ${pid}: not serving again ${waitBound(ctx)}`);
  },
};

/**
 * The crash number (1-based) at which the breaker must trip, counting from an empty restart window. Each crash of the
 * storm comes after a confirmed recovery, so crash n is recurrence n-1 of a flapping series (restart.flapping).
 */
export function expectedTripAt(maxRestarts: number, storm: number, flapping?: { window: number; maxRecurrences: number }): number | undefined {
  const byFlapping = flapping && flapping.window > 0 ? flapping.maxRecurrences + 2 : Infinity;
  const at = Math.min(maxRestarts + 1, byFlapping);
  return storm >= at ? at : undefined;
}

export const crashStormScenario: Scenario = {
  name: 'crash-storm',
  async run(ctx, _trial, before: ServiceStatus): Promise<ScenarioRun> {
    const { maxRestarts, window } = ctx.target.service.restart.intensity;
    const storm = ctx.stormSize;
    const tripAt = expectedTripAt(maxRestarts, storm, ctx.target.service.restart.flapping);
    const killed: Instance[] = [];
    const ttrs: number[] = [];
    const notes: string[] = [`${storm} crashes; restart intensity ${maxRestarts} in ${formatMs(window)}${tripAt ? `, so the breaker must trip at crash ${tripAt}` : ''}`];
    let inst = instanceOf(before)!;
    const faultAt = ctx.clock.now();
    for (let i = 1; i <= storm; i++) {
      const at = ctx.clock.now();
      signalInstance(inst, 'SIGKILL');
      killed.push(inst);
      if (i === tripAt) {
        const tripped = await waitForEvent(ctx, at, (e) => e.type === 'breaker.tripped');
        if (!tripped) return fail(faultAt, notes, ttrs, `crash ${i}: the breaker did not trip, though ${i > maxRestarts ? `${i} > ${maxRestarts} restarts` : `it is recurrence ${i - 1} of a flapping series (restart.flapping.maxRecurrences ${ctx.target.service.restart.flapping.maxRecurrences})`}`);
        notes.push(`breaker tripped at crash ${i} as configured: ${tripped.message}`);
        const releaseAt = ctx.clock.now();
        await ctx.link.action(ctx.target.service.name, 'resume');
        const back = await waitServedByNewInstance(ctx, killed);
        if (back === undefined) return fail(faultAt, notes, ttrs, `after the breaker and a resume: not serving ${waitBound(ctx)}`);
        // Served again only because the drill played the human (resume over the breaker): timed from that release, as
        // crash-loop and port-steal are, not mixed into the storm's times from the fault.
        notes.push(`per-crash TTR of the ${i - 1} crash(es) recovered alone: ${ttrs.length ? ttrs.map((t) => formatMs(t)).join(', ') : 'none'}`);
        const afterRelease = back - releaseAt;
        notes.push(`crash ${i}: serving ${formatMs(afterRelease)} after the release (resume)`);
        return { faultAt, recovered: true, recoverMs: afterRelease, recoverFrom: 'release', asExpected: true, outcome: `${i - 1} crashes recovered, then the breaker tripped at crash ${i} as configured; resumed and serving`, notes };
      }
      const back = await waitServedByNewInstance(ctx, killed);
      if (back === undefined) {
        const s = await ctx.link.service(ctx.target.service.name);
        const why = s?.held ? `held (${s.held.reason}: ${s.held.detail})` : `not serving ${waitBound(ctx)}`;
        return fail(faultAt, notes, ttrs, `crash ${i}: ${why}`);
      }
      ttrs.push(back - at);
      if (i === storm) break;
      // "Recovered" for the next crash means the daemon agrees: healthy, incident closed.
      const steady = await waitSteady(ctx);
      const next = instanceOf(steady);
      if (!next || isOneOf(next, killed)) return fail(faultAt, notes, ttrs, `crash ${i}: serving, but the daemon did not report it healthy ${waitBound(ctx)}`);
      inst = next;
    }
    return done(faultAt, notes, ttrs, `${storm} crashes, every one recovered (median ${formatMs(median(ttrs))}, worst ${formatMs(Math.max(...ttrs))})`);
  },
};

function done(faultAt: number, notes: string[], ttrs: number[], outcome: string): ScenarioRun {
  notes.push(`per-crash TTR: ${ttrs.map((t) => formatMs(t)).join(', ')}`);
  return { faultAt, recovered: true, recoverMs: Math.max(...ttrs), recoverFrom: 'fault', asExpected: true, outcome, notes };
}

function fail(faultAt: number, notes: string[], ttrs: number[], outcome: string): ScenarioRun {
  if (ttrs.length) notes.push(`per-crash TTR before the failure: ${ttrs.map((t) => formatMs(t)).join(', ')}`);
  return { faultAt, recovered: false, recoverMs: null, recoverFrom: 'fault', asExpected: false, outcome, notes };
}
