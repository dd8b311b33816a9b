// The production wiring of the daemon: probes, doctor, notifier, metrics and dashboard plugged into the core.
import type { DaemonOptions } from './daemon.js';
import { probeHealthWatch } from './health-watch.js';
import { serviceLogFile } from './spawn-spec.js';
import { SnapshotStores, doctorRepairers, lastKnownGoodPlugin, preflightFor } from './doctor-wiring.js';
import { MetricsHolder, observePlugin } from './observe-wiring.js';
import { LogEmptyings } from '../observe/log-emptyings.js';
import { retentionPlugin } from './state-retention.js';
import { dashboardPlugin } from '../server/dashboard.js';
import { emergencyRepairer } from './emergency-wiring.js';
import { groupsPlugin } from './groups.js';
import { chatPlugin } from './chat-wiring.js';
import { PredictorRegistry, ServicePredictor, crashPatternPlugin } from './prediction-wiring.js';
import { SharedProbeParts } from './shared-probe-parts.js';
import { OpenclawParts } from '../openclaw/openclaw-plugin.js';
import { updatePlugin } from '../update/update-plugin.js';
import type { ProbeTickReport } from '../probes/probe-worker.js';
import type { Metrics } from '../observe/metrics.js';
import type { ProbeSeries } from '../observe/probe-series.js';

/** Feeds one service's probe results to its metrics series, looked up once per probe (not per result). */
function probeMetricsFeed(holder: MetricsHolder, service: string): (r: ProbeTickReport) => void {
  let of: Metrics | undefined;
  const series = new Map<string, ProbeSeries>();
  return (r) => {
    const m = holder.get();
    if (m !== of) {
      of = m;
      series.clear();
    }
    let s = series.get(r.name);
    if (!s) series.set(r.name, (s = m.probeSeries(service, r.name, r.kind)));
    s.observe(r.result.status, r.result.latencyMs, r.consecutiveUnknowns);
  };
}

export function defaultDaemonOptions(): Partial<DaemonOptions> {
  const metrics = new MetricsHolder();
  const predictors = new PredictorRegistry();
  const stores = new SnapshotStores();
  const probeParts = new SharedProbeParts();
  const emptyings = new LogEmptyings();
  const openclaw = new OpenclawParts();
  return {
    makeHealthWatch: (service, rt, events, ctx) => {
      const predictor = new ServicePredictor(service, ctx, {
        restart: () => rt().dispatch({ type: 'request', action: 'restart', by: 'prediction' }),
        // The runtime's own fields, not status(): that builds every probe's snapshot, and this runs every few seconds per service.
        isHealthy: () => rt().current() !== undefined && rt().persisted().health === 'healthy' && !rt().currentIncident(),
        isRestarting: () => rt().persisted().phase !== 'running',
        inMaintenance: () => !!rt().persisted().maintenance,
      }, predictors.scratch);
      predictors.add(service.name, predictor);
      const feedMetrics = probeMetricsFeed(metrics, service.name);
      const watch = probeHealthWatch({
        service,
        logFile: serviceLogFile(service, ctx.stateDir),
        logEmptyings: emptyings.of(serviceLogFile(service, ctx.stateDir)),
        clock: ctx.clock,
        events,
        emit: ctx.emit,
        // In maintenance an unhealthy verdict restarts nothing, so the probe keeps judging the instance.
        keepJudging: () => !!rt().persisted().maintenance,
        ...probeParts.get(ctx.clock),
        onProbeResult: (r) => {
          feedMetrics(r);
          predictor.onProbeResult(r);
          openclaw.onProbeResult(service.name, r);
        },
      });
      return {
        ...watch,
        attach: (inst, startedAgoMs) => (predictor.reset(), watch.attach(inst, startedAgoMs)),
        // Stopped only when the runtime is disposed: its predictor goes with it.
        stop: () => (watch.stop(), predictors.remove(service.name, predictor)),
      };
    },
    makeRepairers: (service, rt, ctx) => {
      const agent = emergencyRepairer(service, ctx, rt, stores);
      const scoped = openclaw.scopedRestarter(service);
      return { ...doctorRepairers(service, ctx, rt, stores), ...(agent ? { agent } : {}), ...(scoped ? { scoped } : {}) };
    },
    makePreflight: (service, ctx) => preflightFor(service, ctx),
    plugins: [probeParts.plugin(), groupsPlugin(), chatPlugin(), observePlugin(metrics, { emptyings }), lastKnownGoodPlugin(stores), crashPatternPlugin(predictors, metrics), dashboardPlugin(), openclaw.plugin(), updatePlugin(), retentionPlugin()],
  };
}
