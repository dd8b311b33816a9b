// Probe metrics kept per series and rendered at scrape time: same exposition as prom-client's labelled metrics.
import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { ProbeSeriesSet } from '../../src/observe/probe-series.js';
import { parseExposition, sample } from './exposition.js';

describe('ProbeSeriesSet', () => {
  it('renders the healthy gauge and a cumulative histogram per (service, probe, kind)', async () => {
    const registry = new Registry();
    const set = new ProbeSeriesSet(registry, [0.01, 0.1, 1]);
    const health = set.get('gw', 'health', 'http');
    // The same handle for the same series: callers look it up once.
    expect(set.get('gw', 'health', 'http')).toBe(health);
    health.observe('success', 5); // 0.005 s -> le 0.01
    health.observe('success', 50); // 0.05 s -> le 0.1
    health.observe('failure', 3000); // 3 s -> only +Inf
    health.observe('unknown', undefined); // says nothing: healthy stays at the last conclusive value
    const mem = set.get('gw', 'memory', 'memory');
    mem.observe('unknown', 1);
    const s = parseExposition(await registry.metrics());
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
    const json = await registry.getMetricsAsJSON();
    expect(json.find((m) => m.name === 'clawback_probe_duration_seconds')?.type).toBe('histogram');
    expect(json.find((m) => m.name === 'clawback_probe_healthy')?.type).toBe('gauge');
  });
});
