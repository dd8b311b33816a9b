// A channel held by its endpoint's 429 wait (kept in outbox/<ch>/rate-limit.json across restarts) kept its alerts
// pending, and `clawback status`, /api/status and the dashboard gave no reason: now they name the channel and until when.
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { deadLetterLines } from '../../src/notify/dead-letter-notice.js';
import { localStamp } from '../../src/cli/local-time.js';
import { launchChromium } from '../helpers/chromium.js';

type RateLimitedView = Record<string, { until: number; pending: number }>;

describe('a rate-limited channel in status', () => {
  let t: TestDaemon | undefined;
  let server: http.Server | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    server = undefined;
  });

  it('is named in /api/status and `clawback status` with until when its alerts wait', async () => {
    // A real endpoint that answers every request 429 with a two-minute Retry-After.
    server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(429, { 'Retry-After': '120' }).end('slow down'));
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const { port } = server.address() as net.AddressInfo;
    t = await startTestDaemon({
      notify: { channels: [{ type: 'webhook', name: 'ops', mode: 'every-event', url: `http://127.0.0.1:${port}/hook` }], timeout: 2_000, backoff: { initial: 50, max: 200 } },
      services: [{ name: 'sl', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }],
    });
    const daemon = t.daemon;
    const notify = (): { rateLimited?: RateLimitedView } => (daemon.status() as unknown as { notify: { rateLimited?: RateLimitedView } }).notify;
    const asked = Date.now();
    // Before the fix: no `rateLimited` in the status at all, and the CLI said nothing of the waiting alerts.
    await waitFor(() => (notify().rateLimited?.['ops']?.pending ?? 0) > 0, { timeoutMs: 20_000 });
    const until = notify().rateLimited!['ops']!.until;
    expect(until).toBeGreaterThan(asked + 100_000);
    expect(until).toBeLessThan(Date.now() + 130_000);

    const cli = await runCli(['status', '--state-dir', t.stateDir]);
    const out = cli.stdout + cli.stderr;
    expect(out).toMatch(/ALERTS NOT DELIVERED: \d+ alert\(s\) waiting for ops, which is rate-limited by its endpoint until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d/);
    // ... and on the dashboard, in a real browser.
    const api = (daemon.status() as unknown as { daemon: { api: { host: string; port: number } } }).daemon.api;
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`http://${api.host}:${api.port}/`);
      await page.waitForSelector('[data-field="dead-letters"]', { timeout: 20_000 });
      expect((await page.locator('[data-field="dead-letters"]').textContent()) ?? '').toMatch(/\d+ alerts? waiting for ops \(rate-limited until [^)]+\)/);
    } finally {
      await browser.close();
    }
  }, 60_000);

  it('says nothing of a channel with no alert waiting, and the time in the reader\'s zone', () => {
    expect(deadLetterLines({ rateLimited: { ops: { until: 1_800_000_000_000, pending: 0 } } })).toEqual([]);
    expect(deadLetterLines({ rateLimited: { ops: { until: 1_800_000_000_000, pending: 2 } } })).toEqual([
      `2 alert(s) waiting for ops, which is rate-limited by its endpoint until ${localStamp(1_800_000_000_000)} (a 429 wait, kept across restarts): sent when it is over; \`clawback notify flush ops\` sends now`,
    ]);
  });
});
