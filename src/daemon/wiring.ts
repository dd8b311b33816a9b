// The production wiring of the daemon: probes, doctor, notifier, metrics and dashboard plugged into the core.
import type { DaemonOptions } from './daemon.js';
import { probeHealthWatch } from './health-watch.js';
import { serviceLogFile } from './spawn-spec.js';
import { doctorRepairers, lastKnownGoodPlugin, preflightFor } from './doctor-wiring.js';

export function defaultDaemonOptions(): Partial<DaemonOptions> {
  return {
    makeHealthWatch: (service, _rt, events, ctx) =>
      probeHealthWatch({
        service,
        logFile: serviceLogFile(service, ctx.stateDir),
        clock: ctx.clock,
        events,
        emit: ctx.emit,
      }),
    makeRepairers: (service, rt, ctx) => doctorRepairers(service, ctx, rt),
    makePreflight: (service) => preflightFor(service),
    plugins: [lastKnownGoodPlugin()],
  };
}
