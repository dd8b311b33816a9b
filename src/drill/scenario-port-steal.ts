// The port-steal drill: a foreign program holds the port while the service restarts; it must be reported, never killed.
import { isAlive } from '../platform/proc.js';
import { grabPort, type HeldPort } from './port-grab.js';
import { instanceOf, signalInstance, waitForEvent, waitNewInstance, waitServedByNewInstance, waitBound, type DrillContext, type Instance, type Scenario, type ScenarioRun } from './drill-context.js';
import { formatMs } from './drill-report.js';

const ATTEMPTS = 3;

export function portOf(ctx: DrillContext): { host: string; port: number } | undefined {
  const c = ctx.target.check;
  if (ctx.target.service.port !== undefined) return { host: '127.0.0.1', port: ctx.target.service.port };
  if (c.kind === 'tcp') return { host: c.host, port: c.port };
  if (c.kind === 'http') {
    const u = new URL(c.url);
    if (u.port) return { host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port) };
  }
  return undefined;
}

export const portStealScenario: Scenario = {
  name: 'port-steal',
  notApplicable(ctx) {
    return portOf(ctx) ? undefined : 'not applicable: the service has no port';
  },
  async run(ctx, _trial, before): Promise<ScenarioRun> {
    const { host, port } = portOf(ctx)!;
    const notes: string[] = [];
    const killed: Instance[] = [];
    let inst = instanceOf(before)!;
    let held: HeldPort | undefined;
    const faultAt = ctx.clock.now();
    // Race the restart for the port: the first restart after a crash is immediate, but a process start takes longer than a bind.
    for (let attempt = 1; attempt <= ATTEMPTS && !held; attempt++) {
      signalInstance(inst, 'SIGKILL');
      killed.push(inst);
      held = await grabPort(host, port, ctx.clock, 2000);
      if (held) {
        if (attempt > 1) notes.push(`took the port on attempt ${attempt}`);
        break;
      }
      const next = await waitNewInstance(ctx, killed, 5000);
      if (next === undefined) break;
      inst = next;
    }
    if (!held) {
      return { faultAt, recovered: false, recoverMs: null, recoverFrom: 'fault', asExpected: false, outcome: `could not take port ${port} before the restart (${ATTEMPTS} attempts)`, notes };
    }
    const release = ctx.restore.push(`release port ${port}`, () => void held!.release());
    try {
      // A port held by someone else cannot be fixed by Clawback: the ladder must end with a human, the holder named.
      const escalated = await waitForEvent(ctx, faultAt, (e) => e.type === 'incident.escalated');
      const me = String(process.pid);
      const reported = await waitForEvent(ctx, faultAt, (e) => e.type === 'doctor.finding' && e.message.includes(`pid ${me}:`), 1000);
      const notKilled = held.listening() && isAlive(process.pid);
      // Ctrl-C/SIGTERM gave the port back (the undo step) while the drill waited: that is no kill of the holder.
      const givenBack = !notKilled && ctx.signal?.aborted === true;
      const releaseAt = ctx.clock.now();
      release();
      await held.release();
      await ctx.link.action(ctx.target.service.name, 'resume');
      const back = await waitServedByNewInstance(ctx, killed);
      const parts = [
        `held port ${port} as pid ${me}`,
        reported ? 'the holder was reported by the doctor' : `the holder was NOT reported${ctx.signal?.aborted ? ` ${waitBound(ctx)}` : ''}`,
        escalated ? `escalated to a human after ${formatMs(escalated.time - faultAt)}` : `NOT escalated ${waitBound(ctx)}`,
        notKilled ? 'the holder was not killed' : givenBack ? 'the port was given back at the interruption' : 'the holder was KILLED',
        back !== undefined ? 'serving after release + resume' : `not serving ${waitBound(ctx)}${ctx.signal?.aborted ? '' : ' of the release'}`,
      ];
      return {
        faultAt,
        recovered: back !== undefined,
        recoverMs: back === undefined ? null : back - releaseAt,
        recoverFrom: 'release',
        asExpected: reported !== undefined && escalated !== undefined && notKilled && back !== undefined,
        outcome: parts.join('; '),
        notes,
      };
    } finally {
      release();
      await held.release();
    }
  },
};
