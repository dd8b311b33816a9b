// A chat service answering 503 (or 5xx, or 429 for long): until the retry budget was spent (8 tries, 2 to 4 minutes)
// `clawback status`, /api/status and the dashboard showed only outboxDepth; `unreachable` covers no answer at all. The
// failing channel is now named from its first failed try: since when, the tries in a row, the last answer, how many wait.
// Real daemon, real loopback receiver, the built CLI, a real browser.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { launchChromium } from '../helpers/chromium.js';
import { deadLetterLines } from '../../src/notify/dead-letter-notice.js';
import { Receiver } from './receiver.js';

const HOOK_SECRET = 'failing-hook-secret-0123456789';

type Failing = { since: number; tries: number; last: string; pending: number; nextTry?: number };

describe('a channel answering 503 in status, before its retry budget is spent', () => {
  let t: TestDaemon | undefined;
  let r: Receiver | undefined;
  afterEach(async () => {
    await t?.stop();
    await r?.close();
    t = r = undefined;
  });

  it('is named at once in /api/status, `clawback status` and the dashboard: since, tries, last answer, waiting alerts', async () => {
    r = await Receiver.start();
    r.script(1_000_000, 503);
    const before = Date.now();
    t = await startTestDaemon({
      notify: { channels: [{ type: 'webhook', name: 'ops', mode: 'every-event', url: `${r.base}/webhook/${HOOK_SECRET}` }], backoff: { initial: '20s', max: '5m' } },
      services: [{ name: 'sl', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }],
    });
    const daemon = t.daemon;
    const notify = (): { failing?: Record<string, Failing>; deadLetters?: Record<string, number>; unreachable?: Record<string, unknown> } =>
      (daemon.status() as unknown as { notify: { failing?: Record<string, Failing> } }).notify;
    await waitFor(() => r!.requests.length >= 1, { timeoutMs: 15_000 });
    // Before the fix: no `failing` at all; only outboxDepth said anything for the next 2 to 4 minutes.
    await waitFor(() => (notify().failing?.['ops']?.pending ?? 0) > 0, { timeoutMs: 5_000 });
    const f = notify().failing!['ops']!;
    expect(f.tries).toBe(1);
    expect(f.last).toContain('503');
    expect(f.since).toBeGreaterThanOrEqual(before);
    expect(f.nextTry).toBeGreaterThan(f.since);
    expect(notify().deadLetters?.['ops']).toBe(0);
    expect(notify().unreachable).toEqual({});

    const cli = await runCli(['status', '--state-dir', t.stateDir]);
    const out = cli.stdout + cli.stderr;
    expect(out).toMatch(/ALERTS NOT DELIVERED: \d+ alert\(s\) waiting for ops, whose deliveries fail since .* \(1 tries in a row, last: [^)]*503/);
    const json = await runCli(['status', '--json', '--state-dir', t.stateDir]);
    expect((JSON.parse(json.stdout) as { notify: { failing: Record<string, Failing> } }).notify.failing['ops']?.tries).toBe(1);
    expect(out + json.stdout).not.toContain(HOOK_SECRET);

    const api = (daemon.status() as unknown as { daemon: { api: { host: string; port: number } } }).daemon.api;
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`http://${api.host}:${api.port}/`);
      await page.waitForSelector('[data-field="dead-letters"]', { timeout: 20_000 });
      const text = (await page.locator('[data-field="dead-letters"]').textContent()) ?? '';
      expect(text).toMatch(/\d+ alerts? waiting for ops \(failing since .*, 1 try, last: [^)]*503/);
      expect(text).not.toContain(HOOK_SECRET);
    } finally {
      await browser.close();
    }
  }, 60_000);

  it('says it once: not beside a dead-letter, unreachable or rate-limited line of the same channel', () => {
    const failing = { ops: { since: 0, tries: 9, last: 'HTTP 503', pending: 2 } };
    expect(deadLetterLines({ failing, deadLetters: { ops: 2 } })).toHaveLength(1);
    expect(deadLetterLines({ failing, unreachable: { ops: { pending: 2, reason: 'x' } } })).toHaveLength(1);
    expect(deadLetterLines({ failing: { ops: { ...failing.ops, pending: 0 } } })).toEqual([]);
  });
});
