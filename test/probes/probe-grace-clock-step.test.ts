// The start-up grace is a duration: a step of the wall clock (NTP, `date -s`) neither ends it nor stretches it.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/platform/clock.js';
import { probeSchema } from '../../src/probes/probe-schema.js';
import { ProbeWorker, type ProbeVerdict } from '../../src/probes/probe-worker.js';
import type { Probe } from '../../src/probes/probe-types.js';

const HOUR = 3_600_000;
const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const refused: Probe = { kind: 'scripted', check: () => Promise.resolve({ status: 'failure', finding: 'down', message: 'connection refused' }) };

async function run(stepMs: number, untilMs: number): Promise<{ verdicts: ProbeVerdict[]; inGrace: boolean }> {
  const clock = new FakeClock();
  const verdicts: ProbeVerdict[] = [];
  const worker = new ProbeWorker({
    config: probeSchema.parse({ kind: 'tcp', port: 1, interval: 1000, failureThreshold: 3, startupGrace: 40_000 }),
    probe: refused,
    clock,
    target: () => ({ pid: process.pid, startedAt: 1 }),
    onResult: () => undefined,
    onVerdict: (v) => verdicts.push(v),
    random: () => 0,
  });
  worker.start();
  for (let t = 0; t < untilMs; t += 100) {
    if (t === 8000) clock.stepWall(stepMs);
    clock.advance(100);
    await flush();
  }
  const inGrace = worker.snapshot().inGrace;
  worker.stop();
  return { verdicts, inGrace };
}

describe('start-up grace across a wall-clock step', () => {
  it('set forward an hour 8 s into a 40 s grace: a service still starting is not judged', async () => {
    const { verdicts, inGrace } = await run(HOUR, 20_000);
    expect(verdicts).toEqual([]);
    expect(inGrace).toBe(true);
  });

  it('set back an hour: the grace still ends after 40 s and a service that never came up is judged', async () => {
    const { verdicts } = await run(-HOUR, 45_000);
    expect(verdicts.map((v) => v.verdict)).toEqual(['unhealthy']);
  });
});
