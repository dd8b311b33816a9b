// A slow start: the demo gateway is told (startupDelayMs in its config) to take a while to listen, then killed; the start-up grace must cover it.
import { writeFileSync } from 'node:fs';
import type { ProbeConfigOf } from '../probes/probe-schema.js';
import { guardFile, noteDrillWrite, releaseGuard, restoreFile } from './file-guard.js';
import { drillBackupRoot } from './drill-leftovers.js';
import { stateDirOwner } from './backup-root.js';
import { instanceOf, signalInstance, servedAgainRun, waitServedByNewInstance, waitBound, type DrillContext, type Scenario, type ScenarioRun } from './drill-context.js';
import { formatMs } from './drill-report.js';
import { isDemoGateway } from './target.js';

/** Half the shortest start-up grace of the service's probes, between 1 s and 8 s: slow, but within what the config promises. */
export function slowStartDelayMs(graces: readonly number[]): number {
  const shortest = graces.length ? Math.min(...graces) : 10_000;
  return Math.min(8000, Math.max(1000, Math.round(shortest / 2)));
}

function delayFor(ctx: DrillContext): number {
  const graces = ctx.target.service.probes.filter((p): p is ProbeConfigOf<'http'> => p.kind === 'http').map((p) => p.startupGrace);
  return slowStartDelayMs(graces.filter((g): g is number => typeof g === 'number'));
}

export const slowStartScenario: Scenario = {
  name: 'slow-start',
  notApplicable(ctx) {
    if (!isDemoGateway(ctx.target.service)) return 'not applicable: only the demo gateway has a start-up delay switch (startupDelayMs)';
    if (ctx.target.service.configFile?.format !== 'json') return 'not applicable: the demo gateway has no JSON configFile to set startupDelayMs in';
    return undefined;
  },
  async run(ctx, _trial, before): Promise<ScenarioRun> {
    const file = ctx.target.service.configFile!.path;
    const guard = guardFile(file, drillBackupRoot(ctx.target.stateDir), stateDirOwner(ctx.target.stateDir));
    if (guard.content === undefined) {
      return { faultAt: ctx.clock.now(), recovered: false, recoverMs: null, recoverFrom: 'fault', asExpected: false, outcome: `${file} does not exist before the drill`, notes: [] };
    }
    const putBack = ctx.restore.push(`restore ${file}`, () => {
      restoreFile(guard);
      releaseGuard(guard);
    });
    try {
      const delay = delayFor(ctx);
      const parsed = JSON.parse(guard.content.toString('utf8')) as Record<string, unknown>;
      const slow = Buffer.from(`${JSON.stringify({ ...parsed, startupDelayMs: delay }, null, 2)}\n`);
      noteDrillWrite(guard, slow);
      writeFileSync(guard.realPath, slow);
      const inst = instanceOf(before)!;
      const pid = inst.pid;
      const faultAt = ctx.clock.now();
      signalInstance(inst, 'SIGKILL');
      const back = await waitServedByNewInstance(ctx, [inst]);
      // The next start is a normal one again: the user's bytes go back as soon as the slow instance serves.
      putBack();
      const run = servedAgainRun(faultAt, back, `startupDelayMs ${delay} + SIGKILL pid ${pid}: started slowly, serving`, `startupDelayMs ${delay} + SIGKILL pid ${pid}: not serving ${waitBound(ctx)}`);
      run.notes.push(`start-up delay ${formatMs(delay)}; the config bytes were put back once it served`);
      return run;
    } finally {
      putBack();
    }
  },
};
