// Probe metrics kept as plain counters per series and rendered at scrape time: a probe result costs no label hashing.
import { getValueAsString as sampleValue } from './prom-parts.js';
import { labelValue } from './exposition-text.js';

export type ProbeSeriesStatus = 'success' | 'failure' | 'unknown';

/** One (service, probe, kind) series: the last conclusive result, the unknown streak and a latency histogram. */
export interface ProbeSeries {
  /** `consecutiveUnknowns`: the probe's own count of unknown checks in a row, when it keeps one (else counted here). */
  observe(status: ProbeSeriesStatus, latencyMs: number | undefined, consecutiveUnknowns?: number): void;
}

interface SeriesState extends ProbeSeries {
  /** `service="…",probe="…",kind="…"`, escaped once. */
  readonly labels: string;
  /** 1 healthy, 0 unhealthy, undefined before the first conclusive result. */
  healthy: number | undefined;
  /** Unknown checks in a row (0 after a conclusive one), undefined before the first result. */
  unknowns: number | undefined;
  /** Per-bucket (non-cumulative) counts, one per bound; observations above the last bound only count in `count`. */
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

/** The two families, as `# HELP` / `# TYPE` say them. */
const PROBE_FAMILIES = [
  { name: 'clawback_probe_healthy', help: 'Last conclusive probe result: 1 healthy, 0 unhealthy.', type: 'gauge' },
  {
    name: 'clawback_probe_consecutive_unknowns',
    help: 'Probe checks in a row that could not judge the service (unknown: certificate not accepted, unresolvable host, ...); 0 after a conclusive one.',
    type: 'gauge',
  },
  { name: 'clawback_probe_duration_seconds', help: 'Probe run time.', type: 'histogram' },
] as const;

/**
 * `clawback_probe_healthy` (gauge) and `clawback_probe_duration_seconds` (histogram), kept outside prom-client and
 * written as text per scrape: prom-client's labelled metrics hash a label object on every update (200 times a
 * second at 100 services), and its text writer formats every label of every sample again at every scrape (1,700
 * of the 2,200 lines at 100 services). Here an update is two array writes and a series' labels are formatted once.
 */
export class ProbeSeriesSet {
  /** service -> "probe\0kind" -> series; the caller keeps the handle, so this is only walked per scrape. */
  private readonly series = new Map<string, Map<string, SeriesState>>();
  /** `,le="0.005"} ` per bucket bound, then `,le="+Inf"} `. */
  private readonly le: string[];

  constructor(private readonly bucketsSeconds: readonly number[]) {
    this.le = [...bucketsSeconds.map((b) => `,le="${sampleValue(b)}"} `), ',le="+Inf"} '];
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
        labels: `service="${labelValue(service)}",probe="${labelValue(probe)}",kind="${labelValue(kind)}"`,
        healthy: undefined,
        unknowns: undefined,
        counts,
        sum: 0,
        count: 0,
        observe(status, latencyMs, consecutiveUnknowns) {
          // An inconclusive probe ("unknown") says nothing about health: keep the last conclusive value, and count the streak
          // (else Prometheus sees a probe that cannot run for hours as its last verdict).
          if (status === 'success') state.healthy = 1;
          else if (status === 'failure') state.healthy = 0;
          state.unknowns = status !== 'unknown' ? 0 : consecutiveUnknowns ?? (state.unknowns ?? 0) + 1;
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

  /**
   * Forgets the series of services and probes not in `live` (service -> its probes; undefined keeps all of that
   * service's), so they stop being exported.
   */
  retain(live: ReadonlyMap<string, ReadonlyArray<{ name: string; kind: string }> | undefined>): void {
    for (const [service, byProbe] of this.series) {
      if (!live.has(service)) {
        this.series.delete(service);
        continue;
      }
      const probes = live.get(service);
      if (!probes) continue;
      const keep = new Set(probes.map((p) => `${p.name}\0${p.kind}`));
      for (const key of byProbe.keys()) if (!keep.has(key)) byProbe.delete(key);
    }
  }

  /**
   * Appends the three families in the text exposition format (0.0.4), laid out as prom-client lays out a registry's
   * metrics, to `lines` (the caller joins them with a line feed, once).
   */
  appendLines(lines: string[]): void {
    const [healthy, unknowns, duration] = PROBE_FAMILIES;
    lines.push(`# HELP ${healthy.name} ${healthy.help}`, `# TYPE ${healthy.name} ${healthy.type}`);
    const healthyOpen = `${healthy.name}{`;
    for (const byProbe of this.series.values()) {
      for (const s of byProbe.values()) if (s.healthy !== undefined) lines.push(healthyOpen + s.labels + (s.healthy === 1 ? '} 1' : '} 0'));
    }
    lines.push('', `# HELP ${unknowns.name} ${unknowns.help}`, `# TYPE ${unknowns.name} ${unknowns.type}`);
    const unknownsOpen = `${unknowns.name}{`;
    for (const byProbe of this.series.values()) {
      for (const s of byProbe.values()) if (s.unknowns !== undefined) lines.push(`${unknownsOpen}${s.labels}} ${s.unknowns}`);
    }
    lines.push('', `# HELP ${duration.name} ${duration.help}`, `# TYPE ${duration.name} ${duration.type}`);
    const bucketOpen = `${duration.name}_bucket{`;
    const n = this.bucketsSeconds.length;
    for (const byProbe of this.series.values()) {
      for (const s of byProbe.values()) {
        if (s.count === 0) continue;
        const open = bucketOpen + s.labels;
        let acc = 0;
        for (let i = 0; i < n; i++) {
          acc += s.counts[i]!;
          lines.push(open + this.le[i]! + acc);
        }
        lines.push(open + this.le[n]! + s.count);
        lines.push(`${duration.name}_sum{${s.labels}} ${sampleValue(s.sum)}`, `${duration.name}_count{${s.labels}} ${s.count}`);
      }
    }
  }
}
