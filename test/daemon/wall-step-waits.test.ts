// Waits outside the reducer count on the monotonic clock: a wall clock stepped (NTP, date -s) neither stalls them for the step nor ends them at once.
import { afterEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import { type Clock } from '../../src/platform/clock.js';
import { HOUR, steppableClock } from '../helpers/clock.js';
import { launchExternal } from '../../src/supervisor/external-process.js';
import type { CommandRunner } from '../../src/platform/command-runner.js';
import { validateConfig } from '../../src/config/load.js';
import { ServicePredictor } from '../../src/daemon/prediction-wiring.js';
import type { DaemonContext } from '../../src/daemon/daemon.js';
import type { ProbeTickReport } from '../../src/probes/probe-worker.js';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';


let daemons: TestDaemon[] = [];
afterEach(async () => {
  for (const d of daemons) await d.stop();
  daemons = [];
});

describe('the dependency wait (dependsOn) across a wall-clock step', () => {
  it('set forward an hour, the dependent still waits for its dependency instead of starting at once', { timeout: 30_000 }, async () => {
    const clock = steppableClock();
    const never = { kind: 'command', command: [NODE, '-e', 'process.exit(1)'], interval: '200ms', timeout: '2s', startupGrace: '10m' };
    const sleeper = [NODE, path.join(FIXTURES, 'sleeper.mjs')];
    const t = await startTestDaemon({ services: [{ name: 'a', command: sleeper, probes: [never] }, { name: 'b', command: sleeper, dependsOn: ['a'] }] }, { clock });
    daemons.push(t);
    clock.step(HOUR);
    await new Promise((r) => setTimeout(r, 2_000));
    expect(t.events.filter((e) => e.service === 'b' && e.type === 'probe.failed').map((e) => e.message)).toEqual([]);
    expect(t.daemon.runtimes.get('b')!.status().pid).toBeNull();
  });
});

describe('the wait for an external service\'s new pid across a wall-clock step', () => {
  const ext = { pidCommand: ['pid-of', 'x'], restartCommand: ['systemctl', 'restart', 'x'], timeout: 1_500 };
  /** A manager that restarts fine but never shows a pid; the wall clock steps once the wait for the new pid has begun. */
  function stepAfterRestart(clock: ReturnType<typeof steppableClock>, byMs: number): CommandRunner {
    let restarted = false;
    let stepped = false;
    return {
      run: async (argv) => {
        if (argv[0] === 'systemctl') restarted = true;
        else if (restarted && !stepped) {
          stepped = true;
          clock.step(byMs);
        }
        return { code: 0, signal: null, stdout: '0\n', stderr: '', timedOut: false } as never;
      },
    };
  }

  it('set back an hour, it still gives up after its timeout', { timeout: 15_000 }, async () => {
    const clock = steppableClock();
    const started = performance.now();
    const launched = launchExternal(ext, clock, stepAfterRestart(clock, -HOUR), { restart: true, pollMs: 50 });
    const outcome = await Promise.race([launched.then(() => 'started', (e: Error) => e.message), new Promise<string>((r) => setTimeout(() => r('still waiting'), 6_000))]);
    expect(outcome).toMatch(/no new pid within 1500 ms/);
    expect(performance.now() - started).toBeLessThan(6_000);
  });

  it('set forward an hour, it does not give up before its timeout', { timeout: 15_000 }, async () => {
    const clock = steppableClock();
    const started = performance.now();
    const launched = launchExternal(ext, clock, stepAfterRestart(clock, HOUR), { restart: true, pollMs: 50 });
    await expect(launched).rejects.toThrow(/no new pid within 1500 ms/);
    expect(performance.now() - started).toBeGreaterThanOrEqual(1_400);
  });
});

describe('the prediction cadence across a wall-clock step', () => {
  it('set back an hour, the memory trend is still refitted on its cadence', () => {
    const config = validateConfig({ services: [{ name: 'gw', command: ['node', 'x.js'], probes: [{ kind: 'memory', name: 'memory', limit: '200MiB', interval: '500ms' }], prediction: { memory: { window: '8s', minSamples: 12 } } }] }, 'test');
    let wall = 1_800_000_000_000;
    let mono = 10_000;
    const clock = { now: () => wall, monotonic: () => mono, setTimeout: () => ({ cancel: () => undefined }), sleep: () => Promise.resolve() } as Clock;
    let fits = 0;
    const predictor = new ServicePredictor(config.services[0]!, { clock, emit: () => undefined } as unknown as DaemonContext, { restart: () => undefined, isHealthy: () => (fits++, true), isRestarting: () => false, inMaintenance: () => false });
    const report = (value: number): ProbeTickReport => ({ name: 'memory', kind: 'memory', action: 'restart', result: { status: 'success', message: 'ok', value }, at: wall, durationMs: 1, consecutiveFailures: 0, consecutiveSuccesses: 1, verdict: 'healthy', inGrace: false });
    for (let i = 1; i <= 20; i++) {
      wall += 500;
      mono += 500;
      predictor.onProbeResult(report(100_000_000 + i * 4096));
    }
    const before = fits;
    expect(before).toBeGreaterThan(0);
    wall -= HOUR;
    for (let i = 1; i <= 20; i++) {
      wall += 500;
      mono += 500;
      predictor.onProbeResult(report(100_000_000 + i * 4096));
    }
    // 10 s at one fit every 2 s.
    expect(fits - before).toBeGreaterThanOrEqual(4);
  });
});
