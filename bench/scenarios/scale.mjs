// Many services under one Clawback daemon with 1 s probes: daemon CPU, RSS, event-loop lag, and probe lateness seen from outside.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClawback } from '../lib/clawback-driver.mjs';
import { getJson, pollUntil, sleep } from '../lib/http.mjs';
import { cpuMeter, listenOverflows, readMemory } from '../lib/procfs.mjs';
import { median, percentile } from '../lib/stats.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const SCRAPE_MS = 5000;

function startSink({ cleanup, lifetimeMs }) {
  const child = spawn(process.execPath, [path.join(here, '..', 'fixtures', 'probe-sink.mjs'), String(lifetimeMs)], {
    env: cleanup.env(),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  cleanup.add('probe sink', () => {
    if (child.exitCode === null) child.kill('SIGTERM');
  });
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: child.stdout });
    rl.once('line', (line) => resolve({ child, port: JSON.parse(line).port }));
    child.once('exit', (code) => reject(new Error(`probe sink exited ${code}`)));
  });
}

/** Each service is a real long-running process (sleep), supervised and probed like a gateway; see docs/benchmarks.md. */
export function scaleServices(count, sinkPort, intervalMs = 1000) {
  return Array.from({ length: count }, (_, i) => ({
    name: `svc-${i}`,
    command: ['sleep', 'infinity'],
    restart: { stableAfter: '2s' },
    probes: [
      { kind: 'http', name: 'health', url: `http://127.0.0.1:${sinkPort}/svc/${i}/health`, interval: intervalMs, timeout: '1s', failureThreshold: 3, startupGrace: '10s' },
      { kind: 'memory', name: 'memory', limit: '200MiB', interval: intervalMs },
    ],
  }));
}

/** Lateness inside the window from two readings of the daemon's cumulative histogram (GET /api/probe-schedule). */
export function latenessBetween(before, after) {
  if (!before || !after) return undefined;
  const n = after.count - before.count;
  const inWindow = after.buckets.map((b, i) => ({ leMs: b.leMs, count: b.count - before.buckets[i].count }));
  const pct = (q) => {
    if (n <= 0) return undefined;
    const rank = Math.ceil(n * q);
    const b = inWindow.find((x) => x.count >= rank);
    return b ? b.leMs : after.maxMs;
  };
  return { ticks: n, meanMs: n > 0 ? (after.sumMs - before.sumMs) / n : undefined, p50AtMostMs: pct(0.5), p99AtMostMs: pct(0.99), maxSinceStartMs: after.maxMs };
}

function lagFrom(metricsText) {
  const m = /^clawback_daemon_event_loop_lag_seconds (\S+)$/m.exec(metricsText);
  return m ? Number(m[1]) * 1000 : undefined;
}

/** Lateness of each probe = gap since the same service's previous probe minus the interval. */
export function lateness(arrivals, winStart, winEnd, INTERVAL_MS = 1000) {
  const late = [];
  let skipped = 0;
  for (const list of Object.values(arrivals)) {
    const inWin = list.filter((t) => t >= winStart && t <= winEnd).sort((a, b) => a - b);
    for (let k = 1; k < inWin.length; k++) {
      const gap = inWin[k] - inWin[k - 1];
      late.push(gap - INTERVAL_MS);
      skipped += Math.max(0, Math.round(gap / INTERVAL_MS) - 1);
    }
  }
  return { samples: late.length, p50: percentile(late, 50), p99: percentile(late, 99), max: late.length ? Math.max(...late) : undefined, skipped };
}

export async function scaleRun({ root, dir, cleanup, log, count, intervalMs = 1000, windowMs, warmupMs, clkTck, pageSize, nodeFlags = [] }) {
  const sink = await startSink({ cleanup, lifetimeMs: windowMs + 600_000 });
  const sup = createClawback({ root, dir, cleanup, log, services: scaleServices(count, sink.port, intervalMs), nodeFlags });
  const t0 = performance.now();
  await sup.start();
  const ready = await pollUntil(
    async () => {
      const s = await sup.status().catch((err) => {
        log(`scale: status not answered yet (${err.message})`);
        return { services: [] };
      });
      const ok = s.services.filter((x) => x.state === 'running' && x.health === 'healthy').length;
      return ok === count ? ok : undefined;
    },
    { timeoutMs: 300_000, intervalMs: 1000 },
  );
  if (!ready) throw new Error(`not all ${count} services healthy within 300 s`);
  const readyMs = performance.now() - t0;
  log(`scale: ${count} services healthy after ${(readyMs / 1000).toFixed(1)} s; warm-up ${warmupMs / 1000} s, window ${windowMs / 1000} s`);
  await sleep(warmupMs);
  // The lag gauge is the worst lateness of the last 60 s (a read consumes nothing): scrapes in the window's first minute
  // can still carry warm-up lag, so its max is an upper bound; daemonLatenessMs (the schedule's own count) is exact.
  const scheduleBefore = (await sup.probeSchedule().catch(() => undefined))?.lateness;
  const winStart = Date.now();
  const overflowsBefore = listenOverflows();
  const meter = cpuMeter(sup.pid, clkTck, pageSize);
  const lags = [];
  while (Date.now() - winStart < windowMs) {
    await sleep(Math.min(SCRAPE_MS, windowMs - (Date.now() - winStart)));
    const lag = lagFrom(await sup.metrics().catch(() => ''));
    if (lag !== undefined) lags.push(lag);
  }
  const winEnd = Date.now();
  const overflowsAfter = listenOverflows();
  const cpu = meter.stop();
  const mem = readMemory(sup.pid);
  const scheduleAfter = (await sup.probeSchedule().catch(() => undefined))?.lateness;
  const arrivals = (await getJson(`http://127.0.0.1:${sink.port}/__arrivals`, 10_000)).json;
  await sup.stop();
  return {
    services: count,
    intervalMs,
    cpuSeconds: cpu?.cpuSeconds ?? null,
    daemonLatenessMs: latenessBetween(scheduleBefore, scheduleAfter) ?? null,
    windowSeconds: (winEnd - winStart) / 1000,
    readySeconds: readyMs / 1000,
    cpuPercent: cpu?.percent ?? null,
    rssBytes: mem?.rssBytes ?? null,
    hwmBytes: mem?.hwmBytes ?? null,
    eventLoopLagMs: { scrapes: lags.length, median: median(lags), max: lags.length ? Math.max(...lags) : undefined },
    probeLatenessMs: lateness(arrivals ?? {}, winStart, winEnd, intervalMs),
    listenOverflows: overflowsBefore !== undefined && overflowsAfter !== undefined ? overflowsAfter - overflowsBefore : null,
  };
}
