// A memory or latency trend whose window could never hold minSamples probe results stayed off for good with nothing
// said (a 1-minute http probe in a 10-minute window: 11 samples, 20 needed). Now a load warning names the field.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { mostSamplesInWindow } from '../../src/predict/sample-warnings.js';
import { LatencyTracker } from '../../src/predict/latency-tracker.js';
import { steppableClock } from '../helpers/clock.js';
import { runCli } from '../helpers/cli.js';

function load(services: string): string[] {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'clawback-samples-'));
  const file = path.join(dir, 'clawback.yaml');
  writeFileSync(file, `api: {port: 0}\nservices:\n${services}`);
  return loadConfig({ file, stateDir: path.join(dir, 'state') }).warnings;
}

describe('a trend window that can never reach minSamples', () => {
  it('a 1-minute http probe in the default 10-minute window: the latency trend is named, with what would do', () => {
    const w = load(`  - {name: web, command: [sleep, "1"], port: 9000, probes: [{kind: http, name: health, url: "http://127.0.0.1:9000/", interval: 1m}]}\n`);
    expect(w).toEqual([
      'service "web": services[0].prediction.latency.minSamples: 20 samples are needed for a fit, but the http probe "health" runs every 1m0s, so the 10m0s window (prediction.latency.window) holds at most 11: the latency trend is never fitted; expected minSamples of 11 or less, a window of at least 19m0s, or the probe every 31s or less',
    ]);
  });

  it('the window really never fits: 10 minutes of results every minute leave the tracker below minSamples', () => {
    const clock = steppableClock();
    const tracker = new LatencyTracker({ clock, windowMs: 600_000, minSamples: 20, minRelativeIncrease: 0.5, minAbsoluteIncreaseMs: 100, minFailureShare: 0.2 });
    for (let i = 0; i < 30; i++) tracker.add({ t: i * 60_000, latencyMs: 10 + i * 100, ok: true });
    const trend = tracker.evaluate(29 * 60_000);
    expect(trend.warning).toBe(false);
    expect(trend.message).toMatch(/not enough probe results yet \(11 /);
    expect(mostSamplesInWindow(600_000, 60_000)).toBe(11);
    // The interval the warning offers does reach it.
    expect(mostSamplesInWindow(600_000, 31_000)).toBe(20);
  });

  it('a memory minSamples above what a window keeps (240) is named; a memory probe without a limit feeds nothing', () => {
    const w = load(
      `  - {name: a, command: [sleep, "1"], probes: [{kind: memory, limit: 100MiB}], prediction: {memory: {minSamples: 500}}}\n` +
        `  - {name: b, command: [sleep, "1"], probes: [{kind: memory, limit: 100MiB, interval: 1m}]}\n` +
        `  - {name: c, command: [sleep, "1"], probes: [{kind: memory, warn: 50MiB, interval: 1m}]}\n`,
    );
    expect(w).toHaveLength(2);
    expect(w[0]).toContain('services[0].prediction.memory.minSamples: 500 but a trend window keeps at most 240 samples');
    expect(w[1]).toContain('services[1].prediction.memory.minSamples: 30 samples are needed for a fit, but the memory probe "memory" runs every 1m0s');
  });

  it('the defaults, a disabled trend, and a fast probe say nothing', () => {
    const w = load(
      `  - {name: a, command: [sleep, "1"], port: 9000, probes: [{kind: http, url: "http://127.0.0.1:9000/"}, {kind: memory, limit: 100MiB}]}\n` +
        `  - {name: b, command: [sleep, "1"], port: 9001, probes: [{kind: http, url: "http://127.0.0.1:9001/", interval: 5m}], prediction: {latency: {enabled: false}}}\n`,
    );
    expect(w).toEqual([]);
  });

  it('`clawback validate` prints it and exits 0', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'clawback-samples-'));
    const file = path.join(dir, 'clawback.yaml');
    writeFileSync(file, `api: {port: 0}\nservices:\n  - {name: web, command: [sleep, "1"], port: 9000, probes: [{kind: http, url: "http://127.0.0.1:9000/", interval: 2m}]}\n`);
    const r = await runCli(['--config', file, '--state-dir', path.join(dir, 'state'), 'validate']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('the latency trend is never fitted');
  });
});
