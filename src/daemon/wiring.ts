// The production wiring of the daemon: probes, doctor, notifier, metrics and dashboard plugged into the core.
import type { DaemonOptions } from './daemon.js';
import { probeHealthWatch } from './health-watch.js';
import { serviceLogFile } from './spawn-spec.js';
import { doctorRepairers, lastKnownGoodPlugin, preflightFor } from './doctor-wiring.js';
import { MetricsHolder, observePlugin } from './observe-wiring.js';
import { createDashboard } from '../server/dashboard.js';

export function defaultDaemonOptions(): Partial<DaemonOptions> {
  const metrics = new MetricsHolder();
  return {
    makeHealthWatch: (service, _rt, events, ctx) =>
      probeHealthWatch({
        service,
        logFile: serviceLogFile(service, ctx.stateDir),
        clock: ctx.clock,
        events,
        emit: ctx.emit,
        onProbeResult: (r) => metrics.get().observeProbe(service.name, r.name, r.kind, r.result),
      }),
    makeRepairers: (service, rt, ctx) => doctorRepairers(service, ctx, rt),
    makePreflight: (service) => preflightFor(service),
    plugins: [observePlugin(metrics), lastKnownGoodPlugin(), { name: 'dashboard', init: () => ({ dashboard: createDashboard() }) }],
  };
}
