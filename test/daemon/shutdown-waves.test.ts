// A daemon stopping its services stops them wave by wave, each wave at once: one at a time, the services not yet
// reached stayed supervised and were restarted after the SIGTERM (seen with 1000 services: starts for minutes).
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stopWaves } from '../../src/daemon/daemon.js';
import type { ServiceConfig } from '../../src/config/schema.js';
import { FIXTURES, NODE, startTestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';

const svc = (name: string, dependsOn: string[] = []): ServiceConfig => ({ name, dependsOn }) as unknown as ServiceConfig;

describe('stopWaves', () => {
  it('puts what nothing depends on first, and each service before anything it depends on', () => {
    const waves = stopWaves([svc('db'), svc('api', ['db']), svc('web', ['api']), svc('worker', ['db']), svc('lone')]);
    expect(waves).toEqual([['lone', 'worker', 'web'], ['api'], ['db']]);
  });

  it('is one wave when there are no dependencies', () => {
    expect(stopWaves([svc('a'), svc('b'), svc('c')])).toEqual([['c', 'b', 'a']]);
  });

  it('waits for the longest path: a dependency shared by a deep and a shallow chain stops last', () => {
    const waves = stopWaves([svc('base'), svc('mid', ['base']), svc('top', ['mid']), svc('side', ['base'])]);
    expect(waves.at(-1)).toEqual(['base']);
    expect(waves.findIndex((w) => w.includes('mid'))).toBeGreaterThan(waves.findIndex((w) => w.includes('top')));
  });
});

describe('the daemon stopping its services', () => {
  it('starts nothing once the shutdown has begun, while one service takes its grace to stop', async () => {
    const crashy = (name: string) => ({
      name,
      command: [NODE, path.join(FIXTURES, 'exit-with.mjs'), '1', '200'],
      restart: { backoff: { initial: '100ms', multiplier: 1, jitter: 0, max: '100ms' }, intensity: { maxRestarts: 1000, window: '1m' } },
    });
    const t = await startTestDaemon({
      services: [
        crashy('c1'),
        crashy('c2'),
        crashy('c3'),
        // Last in the config, so first in a one-at-a-time shutdown: it ignores SIGTERM and takes its whole grace.
        { name: 'stubborn', command: [NODE, path.join(FIXTURES, 'ignore-sigterm.mjs')], stop: { grace: '4s' } },
      ],
    });
    await waitFor(() => t.events.filter((e) => e.type === 'service.started').length >= 8 || undefined, { timeoutMs: 15_000 });
    const begun = Date.now();
    const startedBefore = t.events.filter((e) => e.type === 'service.started').length;
    await t.stop();
    const took = Date.now() - begun;
    const startsAfter = t.events.filter((e) => e.type === 'service.started').slice(startedBefore);
    // A start already under way when the stop came may still report (and is stopped at once); none is decided after
    // it. One at a time, the crashy services went on crashing and restarting through the stubborn one's 4 s grace.
    const perService = (name: string): number => startsAfter.filter((e) => e.service === name).length;
    expect(['c1', 'c2', 'c3'].map(perService).every((n) => n <= 1)).toBe(true);
    // The stubborn service's grace is waited once, not once per service after it.
    expect(took).toBeLessThan(15_000);
  }, 40_000);
});
