// `clawback notify test` read Discord's answer for its own report only: its `X-RateLimit-Remaining: 0` (the bucket
// emptied by the test) or its 429's retry_after was not kept for the channel, and the alerts right after it were sent
// at once into the empty bucket: a 429 each window. The test's answer now paces the channel as a delivery's does.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createNotifier, type Notifier } from '../../src/notify/dispatcher.js';
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

describe('notify test, then a burst', () => {
  it('a test that empties the bucket holds the alerts after it until it refills: no 429', async () => {
    // A window long enough that the burst starts well inside it, on a loaded machine too.
    const bucket = await discordBucket(1, 3000);
    cleanups.push(bucket.close);
    const stateDir = await tempStateDir();
    cleanups.push(() => removeDir(stateDir));
    const notifier: Notifier = createNotifier(config([{ type: 'discord', url: bucket.url }]), { stateDir, clock: systemClock(), redactor: new Redactor() });
    cleanups.push(() => notifier.stop());
    const [tested] = await notifier.test();
    expect(tested!.ok).toBe(true);
    for (let i = 0; i < 3; i++) notifier.publish(event({ type: 'service.exited', severity: 'warning', level: undefined, service: `svc-${i}`, incidentId: undefined, message: `svc-${i} exited` }));
    await notifier.flush(30_000);
    expect(bucket.ok()).toBe(4);
    expect(bucket.limited()).toBe(0);
    expect(notifier.outboxDepth()).toBe(0);
  }, 45_000);

  it('a test answered 429 holds the alerts after it for the wait asked: no second 429', async () => {
    const bucket = await discordBucket(1, 3000);
    cleanups.push(bucket.close);
    const stateDir = await tempStateDir();
    cleanups.push(() => removeDir(stateDir));
    const notifier: Notifier = createNotifier(config([{ type: 'discord', url: bucket.url }]), { stateDir, clock: systemClock(), redactor: new Redactor() });
    cleanups.push(() => notifier.stop());
    // Another sender (a second host on the same webhook) emptied the bucket.
    await fetch(bucket.url, { method: 'POST', body: '{}' });
    const [tested] = await notifier.test();
    expect(tested!.status).toBe(429);
    notifier.publish(event({ type: 'service.exited', severity: 'warning', level: undefined, service: 'svc', incidentId: undefined, message: 'svc exited' }));
    await notifier.flush(30_000);
    expect(bucket.ok()).toBe(2);
    expect(bucket.limited()).toBe(1);
    expect(notifier.outboxDepth()).toBe(0);
  }, 45_000);
});
