// The autoscaler's window and cool-down count on the monotonic clock: a wall clock stepped (NTP, date -s) neither stalls scaling for the step nor ends a cool-down at once.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HOUR, steppableClock } from '../helpers/clock.js';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { httpGet, waitFor } from '../helpers/processes.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

/** An autoscaled sleeper whose load is the number in a file (metric: command), sampled every 200 ms. */
async function start(cooldown: string): Promise<{ clock: ReturnType<typeof steppableClock>; load: (n: number) => void; scaled: () => Array<[unknown, unknown]> }> {
  const clock = steppableClock();
  const dir = path.join(process.env.TMPDIR ?? '/tmp', `as-step-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const file = `${dir}.load`;
  writeFileSync(file, '0');
  const read = `process.stdout.write(require('fs').readFileSync(${JSON.stringify(file)}, 'utf8'))`;
  td = await startTestDaemon(
    { services: [{ name: 'web', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')], stop: { grace: '1s' }, autoscale: { min: 1, max: 3, maxStep: 1, metric: 'command', command: [NODE, '-e', read], target: 10, window: '1s', interval: '200ms', cooldown } }] },
    { clock },
  );
  const events = td.events;
  return {
    clock,
    load: (n) => writeFileSync(file, String(n)),
    scaled: () => events.filter((e) => e.type === 'service.scaled').map((e) => [e.details?.from, e.details?.to]),
  };
}

describe('autoscaling across a wall-clock step', () => {
  it('set back an hour, an overloaded service is still scaled up within its window (not an hour later)', { timeout: 30_000 }, async () => {
    const s = await start('1s');
    // Samples at load 0 are in the window before the step.
    const metrics = async (): Promise<string> => (await httpGet(`http://127.0.0.1:${td!.daemon.api!.port}/metrics`)).body;
    await waitFor(async () => /clawback_autoscale_value\{service="web",metric="command"\} 0/.test(await metrics()), { timeoutMs: 8_000, message: 'a first sample' });
    await new Promise((r) => setTimeout(r, 500));
    s.clock.step(-HOUR);
    s.load(100);
    await waitFor(() => s.scaled().length >= 1, { timeoutMs: 8_000, message: 'the autoscaler to add web:1 after the clock was set back' });
    expect(s.scaled()[0]).toEqual([1, 2]);
  });

  it('set forward an hour right after a scale-up, the cool-down still holds the next one', { timeout: 30_000 }, async () => {
    const s = await start('20s');
    s.load(100);
    await waitFor(() => s.scaled().length >= 1, { timeoutMs: 8_000, message: 'the first scale-up' });
    s.clock.step(HOUR);
    await new Promise((r) => setTimeout(r, 2_500));
    expect(s.scaled()).toEqual([[1, 2]]);
  });
});
