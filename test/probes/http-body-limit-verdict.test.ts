// A health answer longer than the bytes the probe reads is not a mismatch: the probe judged only its start (probes6).
import http from 'node:http';
import type net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeSchema, type ProbeConfigOf } from '../../src/probes/probe-schema.js';
import { createHttpProbe } from '../../src/probes/http-probe.js';
import { DEFAULT_MAX_BODY } from '../../src/probes/http-exchange.js';
import type { ProbeTarget } from '../../src/probes/probe-types.js';

const alive: ProbeTarget = { pid: process.pid, startedAt: Date.now() };
// A verbose health JSON (every check's detail) that outgrew the read limit, its verdict at the end.
const bigJson = JSON.stringify({ checks: Array.from({ length: 4000 }, (_, i) => ({ name: `check-${i}`, ok: true, detail: 'fine' })), status: 'live' });
let server: http.Server;
let base: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.url === '/big-json') res.end(bigJson);
    else if (req.url === '/small') res.end('{"status":"down"}');
    else res.end('x'.repeat(DEFAULT_MAX_BODY + 10) + 'READY');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

async function check(fields: Record<string, unknown>) {
  const probe = createHttpProbe(probeSchema.parse({ kind: 'http', ...fields }) as ProbeConfigOf<'http'>);
  try {
    return await probe.check(alive, AbortSignal.timeout(5_000));
  } finally {
    probe.dispose?.();
  }
}

describe('http probe: a body over the read limit', () => {
  it('bodyContains past the limit: unknown naming the limit, not a body-mismatch failure', async () => {
    const r = await check({ url: `${base}/marker-at-end`, bodyContains: 'READY' });
    expect(r.status).toBe('unknown');
    expect(r.message).toContain('64 KiB');
    expect(r.message).toContain('bodyContains');
  });

  it('a JSON check on a cut JSON body: unknown, not "a body that is not JSON"', async () => {
    expect(bigJson.length).toBeGreaterThan(DEFAULT_MAX_BODY);
    const r = await check({ url: `${base}/big-json`, json: { path: 'status', equals: 'live' } });
    expect(r.status).toBe('unknown');
    expect(r.message).not.toContain('not JSON');
  });

  it('a complete small body that does not match is still a failure', async () => {
    const r = await check({ url: `${base}/small`, json: { path: 'status', equals: 'live' } });
    expect(r.status).toBe('failure');
    expect(r.finding).toBe('body-mismatch');
  });
});
