// A real RSS series: the demo gateway leaking on purpose, sampled from /proc like the memory probe does.
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/platform/clock.js';
import { treeRssBytes } from '../../src/platform/proc.js';
import { MemoryForecaster } from '../../src/predict/memory-forecaster.js';
import type { RssSample } from '../../src/predict/memory-trend.js';
import { forecastWarrantsWarning } from '../../src/predict/proactive.js';
import { startDemoGateway, type DemoGateway } from '../helpers/demo.js';
import { httpPost } from '../helpers/processes.js';

const MiB = 1024 * 1024;
const RATE_MIB_PER_SEC = 20;
const SAMPLE_EVERY_MS = 200;
const clock = systemClock();
let gw: DemoGateway | undefined;

afterEach(async () => {
  await gw?.stop();
  gw = undefined;
});

/** Samples the tree RSS every 200 ms for durationMs (bounded by count), feeding the forecaster. */
async function record(pid: number, durationMs: number, into: MemoryForecaster): Promise<RssSample[]> {
  const out: RssSample[] = [];
  const end = Date.now() + durationMs;
  for (let i = 0; i < Math.ceil(durationMs / SAMPLE_EVERY_MS) + 5 && Date.now() < end; i++) {
    const sample = { t: Date.now(), bytes: treeRssBytes(pid) };
    out.push(sample);
    into.add(sample);
    await clock.sleep(SAMPLE_EVERY_MS);
  }
  return out;
}

describe.skipIf(process.platform !== 'linux')('memory forecast on a recorded RSS series (demo gateway)', () => {
  it('idle: no warning; leaking 20 MiB/s: the crossing of current + 100 MiB is predicted within 25 %', async () => {
    gw = await startDemoGateway();
    const config = { horizon: 60_000, minConfidence: 0.8 };

    const idle = new MemoryForecaster({ clock, windowMs: 3_000, minSamples: 10 });
    const idleSeries = await record(gw.pid, 3_000, idle);
    const idleForecast = idle.forecast(idleSeries.at(-1)!.bytes + 100 * MiB);
    expect(idleSeries.length).toBeGreaterThanOrEqual(10);
    expect(forecastWarrantsWarning(idleForecast, config), idleForecast.reason).toBe(false);
    expect(idleForecast.verdict).not.toBe('rising');

    expect((await httpPost(`${gw.baseUrl}/fault/leak?mbPerSec=${RATE_MIB_PER_SEC}&maxMb=300`)).status).toBe(202);
    const leak = new MemoryForecaster({ clock, windowMs: 6_000, minSamples: 15 });
    const leakSeries = await record(gw.pid, 6_000, leak);
    const now = Date.now();
    const current = leakSeries.at(-1)!.bytes;
    const limit = current + 100 * MiB;
    const f = leak.forecast(limit, now);
    expect(f.verdict, f.reason).toBe('rising');
    expect(forecastWarrantsWarning(f, config), `confidence ${f.confidence}`).toBe(true);

    const rateError = Math.abs(f.slopeBytesPerSec / MiB - RATE_MIB_PER_SEC) / RATE_MIB_PER_SEC;
    const truthEtaMs = ((limit - current) / (RATE_MIB_PER_SEC * MiB)) * 1000;
    const etaError = Math.abs(f.etaMs! - truthEtaMs) / truthEtaMs;

    // Keep sampling until the limit is really crossed (bounded), to compare with the actual crossing.
    let crossedAt: number | undefined;
    for (let i = 0; i < 60 && crossedAt === undefined; i++) {
      await clock.sleep(SAMPLE_EVERY_MS);
      if (treeRssBytes(gw.pid) >= limit) crossedAt = Date.now();
    }
    const actualEtaMs = crossedAt === undefined ? undefined : crossedAt - now;
    const actualError = actualEtaMs === undefined ? undefined : Math.abs(f.etaMs! - actualEtaMs) / actualEtaMs;
    console.log(
      `recorded leak: ${leakSeries.length} samples, slope ${(f.slopeBytesPerSec / MiB).toFixed(2)} MiB/s (rate error ${(rateError * 100).toFixed(1)} %), ` +
        `eta ${f.etaMs} ms vs ${Math.round(truthEtaMs)} ms from the true rate (error ${(etaError * 100).toFixed(1)} %), ` +
        `actual crossing after ${actualEtaMs ?? 'n/a'} ms (error ${actualError === undefined ? 'n/a' : (actualError * 100).toFixed(1)} %), ` +
        `confidence ${f.confidence.toFixed(3)}, R² ${f.r2.toFixed(3)}; idle: ${idleSeries.length} samples, ${idleForecast.reason}`,
    );
    expect(rateError).toBeLessThan(0.25);
    expect(etaError).toBeLessThan(0.25);
  }, 30_000);
});
