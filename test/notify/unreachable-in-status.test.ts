// A channel that never answers keeps its alerts pending (not dead letters) until outboxMaxAge (7 days by default):
// `clawback status`, /api/status and the dashboard said nothing about them for all that time.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { deadLetterLines } from '../../src/notify/dead-letter-notice.js';
import path from 'node:path';
import { launchChromium } from '../helpers/chromium.js';

const HOOK_SECRET = 'unreachable-hook-secret-0123456789';

/** A loopback port with nothing listening on it (connections are refused). */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as net.AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('an unreachable channel in status', () => {
  let t: TestDaemon | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it('is named in /api/status and `clawback status` with its waiting alerts and the error, the URL redacted', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/hooks/${HOOK_SECRET}`;
    t = await startTestDaemon({
      notify: { channels: [{ type: 'webhook', name: 'ops', mode: 'every-event', url }], maxAttempts: 2, timeout: 300, backoff: { initial: 50, max: 200 } },
      services: [{ name: 'sl', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }],
    });
    const daemon = t.daemon;
    const notify = (): { unreachable?: Record<string, { pending: number; reason: string }>; deadLetters?: Record<string, number> } =>
      (daemon.status() as unknown as { notify: { unreachable?: Record<string, { pending: number; reason: string }> } }).notify;
    // Before the fix: no `unreachable` in the status at all, dead letters 0, and the CLI printed nothing about alerts.
    await waitFor(() => (notify().unreachable?.['ops']?.pending ?? 0) > 0, { timeoutMs: 15_000 });
    expect(notify().deadLetters?.['ops']).toBe(0);
    expect(notify().unreachable!['ops']!.reason).toContain('ECONNREFUSED');

    const cli = await runCli(['status', '--state-dir', t.stateDir]);
    const out = cli.stdout + cli.stderr;
    expect(out).toMatch(/ALERTS NOT DELIVERED: \d+ alert\(s\) waiting for ops, which is unreachable \([^)]*ECONNREFUSED/);
    expect(out).not.toContain(HOOK_SECRET);
    expect(JSON.stringify(daemon.status())).not.toContain(HOOK_SECRET);
    // ... and on the dashboard, in a real browser.
    const api = (daemon.status() as unknown as { daemon: { api: { host: string; port: number } } }).daemon.api;
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`http://${api.host}:${api.port}/`);
      await page.waitForSelector('[data-field="dead-letters"]', { timeout: 20_000 });
      const text = (await page.locator('[data-field="dead-letters"]').textContent()) ?? '';
      expect(text).toMatch(/\d+ alerts? waiting for ops \(unreachable: [^)]*ECONNREFUSED/);
      expect(text).not.toContain(HOOK_SECRET);
    } finally {
      await browser.close();
    }
  }, 40_000);

  it('says nothing once the channel has no alert waiting', () => {
    expect(deadLetterLines({ unreachable: { ops: { pending: 0, reason: 'x' } } })).toEqual([]);
    expect(deadLetterLines({ unreachable: { ops: { pending: 2, reason: 'fetch failed: ECONNREFUSED' } } })).toEqual([
      '2 alert(s) waiting for ops, which is unreachable (fetch failed: ECONNREFUSED): kept and retried with backoff; `clawback notify flush ops` retries now',
    ]);
  });
});
