// Small loopback HTTP helpers: one bounded request, a free port, and polling with a deadline.
import http from 'node:http';
import net from 'node:net';

/** One request, never kept alive, bounded by timeoutMs; resolves {status, body} or rejects. */
export function request(url, { method = 'GET', timeoutMs = 1000, headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent: false, headers: { connection: 'close', ...headers } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

export async function getJson(url, timeoutMs = 1000) {
  const r = await request(url, { timeoutMs });
  let json;
  try {
    json = JSON.parse(r.body);
  } catch {
    json = undefined;
  }
  return { status: r.status, json, body: r.body };
}

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** `count` distinct free ports. */
export async function freePorts(count) {
  const ports = new Set();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Calls fn every intervalMs until it returns a value other than undefined, or the deadline passes (-> undefined). */
export async function pollUntil(fn, { timeoutMs, intervalMs = 100 }) {
  const end = performance.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (performance.now() >= end) return undefined;
    await sleep(intervalMs);
  }
}
