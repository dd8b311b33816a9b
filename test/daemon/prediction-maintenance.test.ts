// A leak forecast during maintenance: one warning that says no proactive restart comes, not one "restarting" alert per fit.
import { afterEach, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load.js';
import { ServicePredictor } from '../../src/daemon/prediction-wiring.js';
import type { DaemonContext } from '../../src/daemon/daemon.js';
import type { Clock } from '../../src/platform/clock.js';
import type { ClawbackEvent } from '../../src/observe/events.js';
import { NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

/** Grows by 1 MiB every 100 ms for 50 s (then holds 500 MiB): a rising forecast within seconds, well under its limit. */
const leaky = {
  name: 'leaky',
  command: [NODE, '-e', 'const k = []; setInterval(() => { if (k.length < 500) k.push(Buffer.alloc(1 << 20, 1)); }, 100)'],
  probes: [{ kind: 'memory', limit: '2GiB', interval: '250ms' }],
  prediction: { memory: { window: '8s', minSamples: 5, minConfidence: 0.5, horizon: '1h', proactiveRestart: true, safetyMargin: '1s' } },
};

describe('a proactive restart and maintenance', () => {
  it('in maintenance a leak is warned about once and not restarted; once maintenance ends the restart goes through the reducer', async () => {
    td = await startTestDaemon({ services: [leaky] });
    const t = td;
    const rt = t.daemon.runtimes.get('leaky')!;
    await waitFor(() => rt.status().pid !== null, { timeoutMs: 20_000 });
    const pid = rt.status().pid;
    rt.maintenance(true, { by: 'test', reason: 'fixing it by hand' });
    const memoryWarnings = () => t.events.filter((e) => e.type === 'prediction.warning' && (e.details as { kind?: string }).kind === 'memory');
    await waitFor(() => memoryWarnings().length > 0, { timeoutMs: 30_000, message: () => 'a memory forecast warning' });
    // Four more fits (one every 2 s) with the leak still climbing.
    await new Promise((r) => setTimeout(r, 8_000));
    // Before: every fit (2 s here, 30 s with the default window) sent "restarting ahead of time" and nothing restarted.
    expect(memoryWarnings()).toHaveLength(1);
    expect(memoryWarnings()[0]!.details).toMatchObject({ action: 'warn' });
    expect(String((memoryWarnings()[0]!.details as { reason: string }).reason)).toMatch(/no proactive restart during maintenance/);
    expect(memoryWarnings()[0]!.message).not.toMatch(/restarting ahead of time/);
    expect(rt.status().pid).toBe(pid);

    rt.maintenance(false, { by: 'test' });
    await waitFor(() => rt.status().pid !== pid && rt.status().pid !== null, { timeoutMs: 30_000, message: () => 'the proactive restart after maintenance' });
    expect(t.events.find((e) => e.type === 'service.restarting')?.details?.reason).toBe('prediction');
  }, 90_000);
});

describe('a proactive restart the reducer refuses', () => {
  it('is asked for again at each fit (the reducer decides) but announced once per episode', () => {
    const config = validateConfig(
      {
        services: [
          {
            name: 'gw',
            command: ['node', 'x.js'],
            probes: [{ kind: 'memory', name: 'memory', limit: '300MiB', interval: '1s' }],
            prediction: { memory: { window: '60s', minSamples: 12, proactiveRestart: true, safetyMargin: '1s' } },
          },
        ],
      },
      'test',
    );
    let wall = 1_800_000_000_000;
    let mono = 10_000;
    const clock = { now: () => wall, monotonic: () => mono, setTimeout: () => ({ cancel: () => undefined }), sleep: () => Promise.resolve() } as Clock;
    const events: ClawbackEvent[] = [];
    let asked = 0;
    // A hold or a repair under way: the reducer ignores the request, the instance keeps running.
    const predictor = new ServicePredictor(config.services[0]!, { clock, emit: (e: ClawbackEvent) => events.push(e) } as unknown as DaemonContext, {
      restart: () => void asked++,
      isHealthy: () => true,
      isRestarting: () => false,
      inMaintenance: () => false,
    });
    for (let i = 0, bytes = 100 * 1024 * 1024; i < 120; i++) {
      wall += 1000;
      mono += 1000;
      bytes += 1024 * 1024;
      predictor.onProbeResult({ name: 'memory', kind: 'memory', action: 'restart', result: { status: 'success', message: 'ok', value: bytes }, at: wall, durationMs: 1, consecutiveFailures: 0, consecutiveSuccesses: 1, verdict: 'healthy', inGrace: false });
    }
    expect(asked).toBeGreaterThan(5);
    // Before: one "restarting ahead of time" warning per fit (every 3 s here), 30+ for one episode.
    const warnings = events.filter((e) => e.type === 'prediction.warning');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.details).toMatchObject({ kind: 'memory', action: 'restart' });
  });
});
