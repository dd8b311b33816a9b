// Probe metrics kept as plain counters per series and rendered at scrape time: a probe result costs no label hashing.
import type { Registry } from 'prom-client';

export type ProbeSeriesStatus = 'success' | 'failure' | 'unknown';

/** One (service, probe, kind) series: the last conclusive result and a latency histogram. */
export interface ProbeSeries {
  observe(status: ProbeSeriesStatus, latencyMs: number | undefined): void;
}

interface SeriesState extends ProbeSeries {
  readonly labels: Readonly<Record<string, string>>;
  /** 1 healthy, 0 unhealthy, undefined before the first conclusive result. */
  healthy: number | undefined;
  /** Per-bucket (non-cumulative) counts, one per bound; observations above the last bound only count in `count`. */
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

interface SampleValue {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

/**
 * `clawback_probe_healthy` (gauge) and `clawback_probe_duration_seconds` (histogram), registered on the
 * registry as metrics of their own: prom-client's labelled metrics hash a label object on every update,
 * 200 times a second at 100 services; here an update is two array writes and the text is built per scrape.
 */
export class ProbeSeriesSet {
  /** service -> "probe\0kind" -> series; the caller keeps the handle, so this is only walked per scrape. */
  private readonly series = new Map<string, Map<string, SeriesState>>();

  constructor(
    registry: Registry,
    private readonly bucketsSeconds: readonly number[],
  ) {
    const healthyName = 'clawback_probe_healthy';
    const durationName = 'clawback_probe_duration_seconds';
    const healthyHelp = 'Last conclusive probe result: 1 healthy, 0 unhealthy.';
    const durationHelp = 'Probe run time.';
    registry.registerMetric({
      name: healthyName,
      help: healthyHelp,
      type: 'gauge',
      get: () => Promise.resolve({ name: healthyName, help: healthyHelp, type: 'gauge', aggregator: 'sum', values: this.healthyValues() }),
    } as unknown as Parameters<Registry['registerMetric']>[0]);
    registry.registerMetric({
      name: durationName,
      help: durationHelp,
      type: 'histogram',
      get: () => Promise.resolve({ name: durationName, help: durationHelp, type: 'histogram', aggregator: 'sum', values: this.durationValues(durationName) }),
    } as unknown as Parameters<Registry['registerMetric']>[0]);
  }

  /** The series of one probe (created on first use); keep it and call observe() per result. */
  get(service: string, probe: string, kind: string): ProbeSeries {
    let byProbe = this.series.get(service);
    if (!byProbe) this.series.set(service, (byProbe = new Map()));
    const key = `${probe}\0${kind}`;
    let s = byProbe.get(key);
    if (!s) {
      const counts = new Float64Array(this.bucketsSeconds.length);
      const bounds = this.bucketsSeconds;
      const state: SeriesState = {
        labels: Object.freeze({ service, probe, kind }),
        healthy: undefined,
        counts,
        sum: 0,
        count: 0,
        observe(status, latencyMs) {
          // An inconclusive probe ("unknown") says nothing about health: keep the last conclusive value.
          if (status === 'success') state.healthy = 1;
          else if (status === 'failure') state.healthy = 0;
          if (latencyMs === undefined || !Number.isFinite(latencyMs) || latencyMs < 0) return;
          const seconds = latencyMs / 1000;
          state.sum += seconds;
          state.count++;
          for (let i = 0; i < bounds.length; i++) {
            if (seconds <= bounds[i]!) {
              counts[i]!++;
              return;
            }
          }
        },
      };
      byProbe.set(key, (s = state));
    }
    return s;
  }

  private healthyValues(): SampleValue[] {
    const out: SampleValue[] = [];
    for (const byProbe of this.series.values()) {
      for (const s of byProbe.values()) if (s.healthy !== undefined) out.push({ value: s.healthy, labels: { ...s.labels } });
    }
    return out;
  }

  private durationValues(name: string): SampleValue[] {
    const out: SampleValue[] = [];
    for (const byProbe of this.series.values()) {
      for (const s of byProbe.values()) {
        if (s.count === 0) continue;
        let acc = 0;
        for (let i = 0; i < this.bucketsSeconds.length; i++) {
          acc += s.counts[i]!;
          out.push({ value: acc, labels: { ...s.labels, le: this.bucketsSeconds[i]! }, metricName: `${name}_bucket` });
        }
        out.push({ value: s.count, labels: { ...s.labels, le: '+Inf' }, metricName: `${name}_bucket` });
        out.push({ value: s.sum, labels: { ...s.labels }, metricName: `${name}_sum` });
        out.push({ value: s.count, labels: { ...s.labels }, metricName: `${name}_count` });
      }
    }
    return out;
  }
}
