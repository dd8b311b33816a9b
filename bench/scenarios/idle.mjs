// Supervisor daemon footprint at rest: RSS and CPU of the daemon process with N healthy services.
import { waitHealthy } from '../lib/gateway.mjs';
import { pollUntil, sleep } from '../lib/http.mjs';
import { cpuMeter, readMemory } from '../lib/procfs.mjs';

/**
 * Waits for every port to answer 200, lets start-up churn pass, then measures the daemon over idleMs.
 * settleMs covers V8's memory reducer: about 8 s after a process's allocation rate drops (the end of
 * start-up) it runs a few full collections, 50-130 ms of CPU in a daemon with one service, once; a
 * window that starts earlier measures that, not the daemon at rest (docs/benchmarks.md).
 */
export async function measureIdle(sup, ports, { idleMs, settleMs = 15_000, clkTck, pageSize, names = [] }) {
  for (const port of ports) {
    const h = await waitHealthy(port, { timeoutMs: 120_000 });
    if (!h) throw new Error(`${sup.label}: service on port ${port} not healthy within 120 s`);
  }
  // Clawback's start-up ends with a first last-known-good snapshot per service (snapshotAfter, plus a
  // validator run each): wait for those, so the window measures rest, not the tail of start-up.
  if (sup.hasSnapshot && names.length > 0) await pollUntil(() => names.every((n) => sup.hasSnapshot(n)) || undefined, { timeoutMs: 120_000, intervalMs: 250 });
  await sleep(settleMs);
  const pid = sup.pid;
  const meter = cpuMeter(pid, clkTck, pageSize);
  await sleep(idleMs);
  const cpu = meter.stop();
  const mem = readMemory(pid);
  return { pid, cpuPercent: cpu?.percent ?? null, rssBytes: mem?.rssBytes ?? null, hwmBytes: mem?.hwmBytes ?? null };
}
