// Probe metrics kept per series and written as text at scrape time: the same exposition prom-client writes.
import { describe, expect, it } from 'vitest';
import { Gauge, Histogram, Registry } from 'prom-client';
import { ProbeSeriesSet } from '../../src/observe/probe-series.js';
import { parseExposition, sample } from './exposition.js';

/** Both families as the daemon's render() lays them out after prom-client's text: the lines, then a line feed. */
function textOf(set: ProbeSeriesSet): string {
  const lines: string[] = [];
  set.appendLines(lines);
  lines.push('');
  return lines.join('\n');
}

describe('ProbeSeriesSet', () => {
  it('renders the healthy gauge and a cumulative histogram per (service, probe, kind)', () => {
    const set = new ProbeSeriesSet([0.01, 0.1, 1]);
    const health = set.get('gw', 'health', 'http');
    // The same handle for the same series: callers look it up once.
    expect(set.get('gw', 'health', 'http')).toBe(health);
    health.observe('success', 5); // 0.005 s -> le 0.01
    health.observe('success', 50); // 0.05 s -> le 0.1
    health.observe('failure', 3000); // 3 s -> only +Inf
    health.observe('unknown', undefined); // says nothing: healthy stays at the last conclusive value
    const mem = set.get('gw', 'memory', 'memory');
    mem.observe('unknown', 1);
    const text = textOf(set);
    const s = parseExposition(text);
    const l = { service: 'gw', probe: 'health', kind: 'http' };
    expect(sample(s, 'clawback_probe_healthy', l)).toBe(0);
    expect(sample(s, 'clawback_probe_duration_seconds_bucket', { ...l, le: '0.01' })).toBe(1);
    expect(sample(s, 'clawback_probe_duration_seconds_bucket', { ...l, le: '0.1' })).toBe(2);
    expect(sample(s, 'clawback_probe_duration_seconds_bucket', { ...l, le: '1' })).toBe(2);
    expect(sample(s, 'clawback_probe_duration_seconds_bucket', { ...l, le: '+Inf' })).toBe(3);
    expect(sample(s, 'clawback_probe_duration_seconds_count', l)).toBe(3);
    expect(sample(s, 'clawback_probe_duration_seconds_sum', l)).toBeCloseTo(3.055, 9);
    // A series with no conclusive result has no healthy sample, but its timing is counted.
    expect(sample(s, 'clawback_probe_healthy', { service: 'gw', probe: 'memory', kind: 'memory' })).toBeUndefined();
    expect(sample(s, 'clawback_probe_duration_seconds_count', { service: 'gw', probe: 'memory', kind: 'memory' })).toBe(1);
    // The unknown streak: counted until a conclusive result, which resets it to 0.
    expect(sample(s, 'clawback_probe_consecutive_unknowns', l)).toBe(1);
    expect(sample(s, 'clawback_probe_consecutive_unknowns', { service: 'gw', probe: 'memory', kind: 'memory' })).toBe(1);
    health.observe('unknown', undefined);
    health.observe('unknown', undefined, 7); // the probe's own count, when it keeps one
    expect(sample(parseExposition(textOf(set)), 'clawback_probe_consecutive_unknowns', l)).toBe(7);
    health.observe('failure', 1);
    expect(sample(parseExposition(textOf(set)), 'clawback_probe_consecutive_unknowns', l)).toBe(0);
    expect(set.get('gw', 'never', 'tcp')).toBeDefined();
    expect(sample(parseExposition(textOf(set)), 'clawback_probe_consecutive_unknowns', { service: 'gw', probe: 'never', kind: 'tcp' })).toBeUndefined();
    expect(text).toMatch(/^# TYPE clawback_probe_duration_seconds histogram$/m);
    expect(text).toMatch(/^# TYPE clawback_probe_healthy gauge$/m);
  });

  it('writes the text prom-client writes for the same observations, escapes included', async () => {
    const buckets = [0.005, 0.01, 0.25, 1, 30];
    const set = new ProbeSeriesSet(buckets);
    const registry = new Registry();
    const healthy = new Gauge({ name: 'clawback_probe_healthy', help: 'Last conclusive probe result: 1 healthy, 0 unhealthy.', labelNames: ['service', 'probe', 'kind'], registers: [registry] });
    const unknowns = new Gauge({
      name: 'clawback_probe_consecutive_unknowns',
      help: 'Probe checks in a row that could not judge the service (unknown: certificate not accepted, unresolvable host, ...); 0 after a conclusive one.',
      labelNames: ['service', 'probe', 'kind'],
      registers: [registry],
    });
    const duration = new Histogram({ name: 'clawback_probe_duration_seconds', help: 'Probe run time.', labelNames: ['service', 'probe', 'kind'], buckets, registers: [registry] });
    const cases: Array<[string, string, string, Array<['success' | 'failure', number]>]> = [
      // In the order the set walks them (by service, then probe): prom-client writes in first-use order.
      ['gw', 'health', 'http', [['success', 3], ['success', 7.5], ['failure', 40_000]]],
      ['gw', 'memory', 'memory', [['success', 0.125]]],
      ['odd "name"\\with\nnewline', 'p', 'tcp', [['failure', 250], ['success', 0]]],
    ];
    for (const [service, probe, kind, results] of cases) {
      const series = set.get(service, probe, kind);
      for (const [status, ms] of results) {
        series.observe(status, ms);
        healthy.set({ service, probe, kind }, status === 'success' ? 1 : 0);
        unknowns.set({ service, probe, kind }, 0);
        duration.observe({ service, probe, kind }, ms / 1000);
      }
    }
    const ours = textOf(set);
    const theirs = await registry.metrics();
    const lines = (text: string, prefix: string): string[] => text.split('\n').filter((l) => l.startsWith(prefix));
    // Same samples and values; prom-client puts `le` first in a bucket's labels, we keep it last (as before).
    expect(parseExposition(ours)).toEqual(parseExposition(theirs));
    expect(ours.split('\n').length).toBe(theirs.split('\n').length);
    expect(lines(ours, '#')).toEqual(lines(theirs, '#'));
    // Byte for byte where the label order is the same: escapes and number formatting.
    expect(lines(ours, 'clawback_probe_healthy')).toEqual(lines(theirs, 'clawback_probe_healthy'));
    expect(lines(ours, 'clawback_probe_consecutive_unknowns')).toEqual(lines(theirs, 'clawback_probe_consecutive_unknowns'));
    expect(lines(ours, 'clawback_probe_duration_seconds_sum')).toEqual(lines(theirs, 'clawback_probe_duration_seconds_sum'));
    expect(lines(ours, 'clawback_probe_duration_seconds_bucket')).toHaveLength(3 * (buckets.length + 1));
  });
});
