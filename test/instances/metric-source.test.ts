// The autoscaling metric per instance: CPU from tick deltas, RSS of the tree, probe latency, a command's number / instances.
import { describe, expect, it } from 'vitest';
import { MetricSource } from '../../src/autoscale/metric-source.js';
import { realCommandRunner } from '../../src/platform/command-runner.js';
import type { ProbeStatusView } from '../../src/daemon/service-runtime.js';

const probe = (latencyMs: number | undefined): ProbeStatusView => ({
  name: 'http', kind: 'http', action: 'restart', verdict: 'healthy', lastCheckedAt: 0, consecutiveFailures: 0, consecutiveSuccesses: 1, inGrace: false,
  lastResult: { status: 'success', message: 'ok', ...(latencyMs !== undefined ? { latencyMs } : {}) },
});

describe('MetricSource', () => {
  it('cpu: percent of a core per instance from tick deltas; the first sample of a pid only sets the mark', async () => {
    let now = 0;
    const ticks: Record<number, number> = { 10: 100, 20: 0 };
    const src = new MetricSource('cpu', { clock: { monotonic: () => now }, runner: realCommandRunner(), tree: (pid) => [{ cpuTicks: ticks[pid]!, rssBytes: 0 }] });
    const views = [{ name: 'w:0', pid: 10, probes: [] }, { name: 'w:1', pid: 20, probes: [] }];
    expect(await src.sample(views)).toBeNull();
    now = 2000;
    ticks[10] = 200; // 1 s of CPU in 2 s: 50 %
    ticks[20] = 20; // 0.2 s in 2 s: 10 %
    expect(await src.sample(views)).toBeCloseTo(30);
    // A new pid (the instance restarted) starts over; the other instance still counts.
    now = 3000;
    ticks[10] = 300;
    ticks[21] = 5;
    expect(await src.sample([{ name: 'w:0', pid: 10, probes: [] }, { name: 'w:1', pid: 21, probes: [] }])).toBeCloseTo(100);
  });

  it('rss: the tree of each instance, averaged; latency: the slowest http probe, averaged; nothing known is null', async () => {
    const rss = new MetricSource('rss', { clock: { monotonic: () => 0 }, runner: realCommandRunner(), tree: (pid) => [{ cpuTicks: 0, rssBytes: pid * 1000 }, { cpuTicks: 0, rssBytes: 500 }] });
    expect(await rss.sample([{ name: 'a', pid: 1, probes: [] }, { name: 'b', pid: 3, probes: [] }, { name: 'c', pid: null, probes: [] }])).toBe(2500);
    const lat = new MetricSource('latency', { clock: { monotonic: () => 0 }, runner: realCommandRunner() });
    expect(await lat.sample([{ name: 'a', pid: 1, probes: [probe(10), probe(30)] }, { name: 'b', pid: 2, probes: [probe(50)] }])).toBe(40);
    expect(await lat.sample([{ name: 'a', pid: 1, probes: [probe(undefined)] }])).toBeNull();
  });

  it('command: the first number it prints, divided by the instances; a failing command is no sample', async () => {
    const ok = new MetricSource('command', { clock: { monotonic: () => 0 }, runner: realCommandRunner() }, { argv: [process.execPath, '-e', 'console.log("queue length: 12")'], timeoutMs: 10_000 });
    expect(await ok.sample([{ name: 'a', pid: 1, probes: [] }, { name: 'b', pid: 2, probes: [] }, { name: 'c', pid: 3, probes: [] }])).toBe(4);
    const bad = new MetricSource('command', { clock: { monotonic: () => 0 }, runner: realCommandRunner() }, { argv: [process.execPath, '-e', 'process.exit(3)'], timeoutMs: 10_000 });
    expect(await bad.sample([{ name: 'a', pid: 1, probes: [] }])).toBeNull();
  });
});
