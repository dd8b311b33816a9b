// A real loopback webhook with Discord's per-route bucket (X-RateLimit-* on every answer, 429 once it is empty), for the pacing tests.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A real loopback webhook with Discord's bucket: `limit` requests per `windowMs`, X-RateLimit-* on every answer. */
export async function discordBucket(limit: number, windowMs: number): Promise<{ url: string; ok: () => number; limited: () => number; close: () => Promise<void> }> {
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
