// The demo gateway as the benchmark sees it: where it lives, its config file, its health, its fault switches.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { getJson, pollUntil, request, sleep } from './http.mjs';

export function gatewayPaths(root) {
  const dir = path.join(root, 'examples', 'demo-gateway');
  return { server: path.join(dir, 'server.mjs'), config: path.join(dir, 'gateway.json') };
}

/** A private copy of the gateway config (the corrupted-config scenario breaks it). */
export function writeGatewayConfig(file, name) {
  writeFileSync(file, JSON.stringify({ name, host: '127.0.0.1', port: 0 }, null, 2) + '\n');
}

export function corruptGatewayConfig(file) {
  writeFileSync(file, '{ "name": "demo-gateway", "port": \n');
}

/** {pid, uptimeMs} when GET /health answers 200, else undefined. */
export async function health(port, timeoutMs = 500) {
  try {
    const r = await getJson(`http://127.0.0.1:${port}/health`, timeoutMs);
    if (r.status === 200 && r.json) return { pid: r.json.pid, uptimeMs: r.json.uptimeMs, rssBytes: r.json.rssBytes };
  } catch {
    // down or hung
  }
  return undefined;
}

/** Waits for a 200 from an instance other than notPid that has been up at least minUptimeMs. */
export function waitHealthy(port, { notPid, minUptimeMs = 0, timeoutMs = 30_000 } = {}) {
  return pollUntil(
    async () => {
      const h = await health(port);
      return h && h.pid !== notPid && h.uptimeMs >= minUptimeMs ? h : undefined;
    },
    { timeoutMs, intervalMs: 100 },
  );
}

/**
 * Polls /health every pollMs (each request bounded, so a hung instance does not stall the loop)
 * until a 200 comes from an instance other than oldPid. Returns ms since t0, or null past the bound.
 */
export async function msUntilNew200(port, oldPid, t0, { boundMs, pollMs = 10, requestTimeoutMs = 250 }) {
  for (;;) {
    const h = await health(port, requestTimeoutMs);
    const now = performance.now();
    if (h && h.pid !== oldPid) return { ms: now - t0, pid: h.pid };
    if (now - t0 > boundMs) return { ms: null, pid: undefined };
    await sleep(pollMs);
  }
}

export async function fault(port, name, query = '') {
  const r = await request(`http://127.0.0.1:${port}/fault/${name}${query}`, { method: 'POST', timeoutMs: 2000 });
  if (r.status !== 202) throw new Error(`POST /fault/${name} answered ${r.status}: ${r.body}`);
}
