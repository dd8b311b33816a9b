// A full disk on the service's data dir, only where the drill can fill it safely (a small filesystem of its own); the service must say not-ready, not crash-loop.
import type { Scenario, ScenarioRun } from './drill-context.js';
import { demoGatewaySettings, outageHoldMs, readinessUrlOf } from './demo-gateway-settings.js';
import { diskFillRefusal, fillDisk, type Filler } from './disk-fill.js';
import { runReadinessFault } from './readiness-fault.js';

function dataDirOf(ctx: Parameters<NonNullable<Scenario['notApplicable']>>[0]): string | undefined {
  const s = demoGatewaySettings(ctx.target.service);
  return typeof s === 'string' ? undefined : s.dataDir;
}

export const diskFullScenario: Scenario = {
  name: 'disk-full',
  notApplicable(ctx) {
    const s = demoGatewaySettings(ctx.target.service);
    if (typeof s === 'string') return s;
    if (!s.dataDir) return 'not applicable: the demo gateway config names no dataDir';
    if (!readinessUrlOf(ctx.target.check)) return 'not applicable: the service has no HTTP/TCP check to find its /readyz from';
    return diskFillRefusal(s.dataDir, ctx.target.stateDir);
  },
  async run(ctx, _trial, before): Promise<ScenarioRun> {
    const dir = dataDirOf(ctx)!;
    // Checked again right before filling: the mount may have changed since the plan was printed.
    const refused = diskFillRefusal(dir, ctx.target.stateDir);
    if (refused) return { faultAt: ctx.clock.now(), recovered: false, recoverMs: null, recoverFrom: 'release', asExpected: false, outcome: refused, notes: [] };
    let filler: Filler | undefined;
    let free: (() => void) | undefined;
    const run = await runReadinessFault(ctx, before, {
      label: `data dir ${dir} full`,
      readyUrl: readinessUrlOf(ctx.target.check)!,
      holdMs: outageHoldMs(ctx.target.service),
      // Clawback cannot make room in a service's data (its doctor only compresses the service's rotated logs): a human frees it.
      recoverFrom: 'release',
      take() {
        try {
          filler = fillDisk(dir);
        } catch (err) {
          return Promise.resolve(`could not fill ${dir}: ${(err as Error).message}`);
        }
        free = ctx.restore.push(`free the space of ${filler.file}`, () => filler!.free());
        return Promise.resolve(undefined);
      },
      giveBack() {
        free?.();
      },
    });
    free?.();
    if (filler) run.notes.push(`filled ${Math.round(filler.bytes / 1024)} KiB into ${filler.file} (unlinked at once, held open), freed afterwards`);
    return run;
  },
};
