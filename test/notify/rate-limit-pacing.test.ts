// Discord says on every answer how many requests its bucket has left and when it refills: a burst must pace itself on
// those headers instead of spending a 429 per window (429s count toward Discord's invalid-request ban of the host's IP).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createNotifier, type Notifier } from '../../src/notify/dispatcher.js';
import { paceAfter } from '../../src/notify/delivery-outcome.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import { config, event, removeDir, tempStateDir } from './helpers.js';

/** A real loopback webhook with Discord's bucket: `limit` requests per `windowMs`, X-RateLimit-* on every answer. */
async function discordBucket(limit: number, windowMs: number): Promise<{ url: string; ok: () => number; limited: () => number; close: () => Promise<void> }> {
  let windowStart = 0;
  let used = 0;
  let ok = 0;
  let limited = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const now = Date.now();
      if (now - windowStart >= windowMs) {
        windowStart = now;
        used = 0;
      }
      const resetAfter = ((windowStart + windowMs - now) / 1000).toFixed(3);
      const common = { 'content-type': 'application/json', 'x-ratelimit-limit': String(limit), 'x-ratelimit-reset-after': resetAfter };
      if (used >= limit) {
        limited++;
        res.writeHead(429, { ...common, 'x-ratelimit-remaining': '0', 'retry-after': String(Math.ceil(Number(resetAfter))) });
        res.end(JSON.stringify({ message: 'You are being rate limited.', retry_after: Number(resetAfter), global: false }));
        return;
      }
      used++;
      ok++;
      res.writeHead(200, { ...common, 'x-ratelimit-remaining': String(limit - used) });
      res.end(JSON.stringify({ id: String(ok) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/webhooks/1234/token`,
    ok: () => ok,
    limited: () => limited,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('rate-limit pacing', () => {
  it('reads an empty bucket and its reset from the headers, and nothing else', () => {
    expect(paceAfter({ status: 200, body: '', rateLimitRemaining: '0', rateLimitResetAfter: '1.25' })).toBe(1250);
    expect(paceAfter({ status: 200, body: '', rateLimitRemaining: '2', rateLimitResetAfter: '1.25' })).toBeUndefined();
    expect(paceAfter({ status: 200, body: '', rateLimitRemaining: '0', rateLimitResetAfter: 'soon' })).toBeUndefined();
    expect(paceAfter({ status: 200, body: '' })).toBeUndefined();
  });

  it('a burst to Discord spends no 429: it waits for the bucket to refill (one 429 per window before)', async () => {
    const bucket = await discordBucket(3, 1000);
    cleanups.push(bucket.close);
    const stateDir = await tempStateDir();
    cleanups.push(() => removeDir(stateDir));
    const notifier: Notifier = createNotifier(config([{ type: 'discord', url: bucket.url }]), { stateDir, clock: systemClock(), redactor: new Redactor() });
    cleanups.push(() => notifier.stop());
    for (let i = 0; i < 10; i++) notifier.publish(event({ type: 'service.exited', severity: 'warning', level: undefined, service: `svc-${i}`, incidentId: undefined, message: `svc-${i} exited` }));
    await notifier.flush(20_000);
    expect(bucket.ok()).toBe(10);
    expect(bucket.limited()).toBe(0);
    expect(notifier.outboxDepth()).toBe(0);
  }, 30_000);
});
