// The production wiring of the daemon: probes, doctor, notifier, metrics and dashboard plugged into the core.
import type { DaemonOptions } from './daemon.js';
import { probeHealthWatch } from './health-watch.js';
import { serviceLogFile } from './spawn-spec.js';
import { SnapshotStores, doctorRepairers, lastKnownGoodPlugin, preflightFor } from './doctor-wiring.js';
import { MetricsHolder, observePlugin } from './observe-wiring.js';
import { dashboardPlugin } from '../server/dashboard.js';
import { emergencyRepairer } from './emergency-wiring.js';
import { groupsPlugin } from './groups.js';
import { chatPlugin } from './chat-wiring.js';
import { PredictorRegistry, ServicePredictor, crashPatternPlugin } from './prediction-wiring.js';
import { SharedProbeParts } from './shared-probe-parts.js';
import { OpenclawParts } from '../openclaw/openclaw-plugin.js';
import { updatePlugin } from '../update/update-plugin.js';

export function defaultDaemonOptions(): Partial<DaemonOptions> {
  const metrics = new MetricsHolder();
  const predictors = new PredictorRegistry();
  const stores = new SnapshotStores();
  const probeParts = new SharedProbeParts();
  const openclaw = new OpenclawParts();
  return {
    makeHealthWatch: (service, rt, events, ctx) => {
      const predictor = new ServicePredictor(service, ctx, {
        restart: () => rt().dispatch({ type: 'request', action: 'restart', by: 'prediction' }),
        isHealthy: () => rt().status().health === 'healthy' && !rt().currentIncident(),
        isRestarting: () => rt().status().state !== 'running',
      });
      predictors.byService.set(service.name, predictor);
      const watch = probeHealthWatch({
        service,
        logFile: serviceLogFile(service, ctx.stateDir),
        clock: ctx.clock,
        events,
        emit: ctx.emit,
        ...probeParts.get(ctx.clock),
        onProbeResult: (r) => {
          metrics.get().observeProbe(service.name, r.name, r.kind, r.result);
          predictor.onProbeResult(r);
          openclaw.onProbeResult(service.name, r);
        },
      });
      return { ...watch, attach: (inst) => (predictor.reset(), watch.attach(inst)) };
    },
    makeRepairers: (service, rt, ctx) => {
      const agent = emergencyRepairer(service, ctx, rt, stores);
      const scoped = openclaw.scopedRestarter(service);
      return { ...doctorRepairers(service, ctx, rt, stores), ...(agent ? { agent } : {}), ...(scoped ? { scoped } : {}) };
    },
    makePreflight: (service) => preflightFor(service),
    plugins: [probeParts.plugin(), groupsPlugin(), chatPlugin(), observePlugin(metrics), lastKnownGoodPlugin(stores), crashPatternPlugin(predictors, metrics), dashboardPlugin(), openclaw.plugin(), updatePlugin()],
  };
}
