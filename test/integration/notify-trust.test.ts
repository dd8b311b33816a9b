// Alerts you can trust, on a real daemon with real local receivers: nothing dropped, everything counted, early events sent.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startTestDaemon, FIXTURES, NODE, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { runCli } from '../helpers/cli.js';
import { Receiver } from '../notify/receiver.js';
import type { ClawbackEvent } from '../../src/observe/events.js';
import { BOT_TOKEN, DISCORD_TOKEN } from '../notify/helpers.js';
import { CHROMIUM, launchChromium } from '../helpers/chromium.js';


let td: TestDaemon | undefined;
const receivers: Receiver[] = [];
afterEach(async () => {
  await td?.stop();
  td = undefined;
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

function metricValue(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name + '{') && !line.startsWith(name + ' ')) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.split(' ').pop());
  }
  return undefined;
}

describe('alerts you can trust', () => {
  it('an event emitted before the notifier subscribed (corrupt state file) is still sent', async () => {
    const r = await Receiver.start();
    receivers.push(r);
    const dir = tempDir();
    mkdirSync(path.join(dir, 'state'), { recursive: true });
    writeFileSync(path.join(dir, 'state', 'state.json'), '{ this is not json');
    td = await startTestDaemon(
      {
        notify: { channels: [{ type: 'webhook', url: `${r.base}/webhook/early` }] },
        services: [{ name: 'calm', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }],
      },
      { dir },
    );
    await r.waitFor(() => r.of('webhook').some((m) => (m.json as ClawbackEvent).type === 'daemon.history-lost'), 10_000, 'history-lost alert');
    const lost = r.of('webhook').map((m) => m.json as ClawbackEvent).find((e) => e.type === 'daemon.history-lost')!;
    expect(lost.message).toContain('corrupt');
    // The metrics and the daemon log saw it too.
    await td.stop();
    const log = readFileSync(path.join(td.stateDir, 'logs', 'daemon.log'), 'utf8');
    td = undefined;
    expect(log).toContain('state file was corrupt');
  }, 30_000);

  it('a receiver refusing longer than the retry budget: dead letters visible everywhere, then every alert arrives once, in order', async () => {
    const down = await Receiver.start();
    const other = await Receiver.start();
    receivers.push(down, other);
    down.script(100_000, 503);
    td = await startTestDaemon({
      notify: {
        channels: [
          { type: 'webhook', name: 'ops', url: `${down.base}/webhook/ops`, mode: 'every-event' },
          { type: 'webhook', name: 'backup', url: `${other.base}/webhook/backup`, events: ['notify.*'] },
        ],
        maxAttempts: 2,
        dedupWindow: 0,
        backoff: { initial: 50, max: 400 },
      },
      services: [{ name: 'svc', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }],
    });
    const t = td;
    const base = `http://127.0.0.1:${t.daemon.api!.port}`;
    const rt = t.daemon.runtimes.get('svc')!;
    await waitFor(() => rt.status().health === 'healthy', { timeoutMs: 15_000 });
    process.kill(rt.status().pid!, 'SIGKILL');
    await waitFor(() => t.events.some((e) => e.type === 'incident.resolved'), { timeoutMs: 15_000 });

    // Dead letters: in the status JSON, in /metrics, in a warn log line, and announced on the other channel.
    const status = await waitFor(
      async () => {
        const s = (await (await fetch(`${base}/api/status`)).json()) as { notify?: { deadLetters: Record<string, number> } };
        return (s.notify?.deadLetters['ops'] ?? 0) > 0 ? s : undefined;
      },
      { timeoutMs: 15_000 },
    );
    expect(status.notify!.deadLetters['backup']).toBe(0);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metricValue(metrics, 'clawback_notify_dead_letters', { channel: 'ops' })).toBeGreaterThan(0);
    expect(metricValue(metrics, 'clawback_notifications_total', { channel: 'ops', result: 'failed' })).toBeGreaterThanOrEqual(2);
    await other.waitFor(() => other.of('webhook').some((m) => /\d+ alert\(s\) undelivered to ops/.test((m.json as ClawbackEvent).message)), 10_000, 'notice on the other channel');
    expect(other.of('webhook').every((m) => (m.json as ClawbackEvent).type === 'notify.undelivered')).toBe(true);
    expect(readFileSync(path.join(t.stateDir, 'logs', 'daemon.log'), 'utf8')).toMatch(/"level":"warn".*undelivered to ops/);
    // ... in `clawback status` (the table view, not only --json), naming the commands that retry or drop them ...
    const shown = await runCli(['status', '--state-dir', t.stateDir]);
    expect(shown.stdout).toMatch(/\d+ alert\(s\) undelivered to ops: .*clawback notify flush ops.*clawback notify discard ops/);
    expect(shown.stdout).not.toMatch(/undelivered to backup/);
    // ... and on the dashboard, in a real browser (a missing Chromium fails the test: it is a test prerequisite).
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`${base}/`);
      await page.waitForSelector('[data-field="dead-letters"]', { timeout: 20_000 });
      expect(await page.locator('[data-field="dead-letters"]').textContent()).toMatch(/\d+ alerts? undelivered to ops/);
    } finally {
      await browser.close();
    }

    // The endpoint comes back; `clawback notify flush ops` retries at once.
    down.clearScript();
    const flushed = await runCli(['notify', 'flush', 'ops', '--state-dir', t.stateDir]);
    expect(flushed.code, flushed.stderr).toBe(0);
    expect(flushed.stdout).toMatch(/retried now/);
    await waitFor(
      async () => {
        const s = (await (await fetch(`${base}/api/status`)).json()) as { notify: { deadLetters: Record<string, number>; outboxDepth: number } };
        return s.notify.deadLetters['ops'] === 0 && s.notify.outboxDepth === 0;
      },
      { timeoutMs: 15_000 },
    );
    // Every event the journal holds for this channel arrived exactly once, in journal order.
    const key = (e: ClawbackEvent): string => `${e.type}|${e.time}|${e.message}`;
    const expected = t.journal().filter((e) => !(e.type === 'notify.undelivered' && e.details?.['channel'] === 'ops')).map(key);
    const got = down.of('webhook').map((m) => key(m.json as ClawbackEvent));
    expect(got).toEqual(expected.slice(0, got.length));
    expect(new Set(got).size).toBe(got.length);
    expect(got).toContain(expected.find((k) => k.startsWith('incident.resolved'))!);
    const after = await (await fetch(`${base}/metrics`)).text();
    expect(metricValue(after, 'clawback_notifications_total', { channel: 'ops', result: 'delivered' })).toBe(got.length);
    expect(metricValue(after, 'clawback_notify_dead_letters', { channel: 'ops' })).toBe(0);
  }, 60_000);

  it('about two messages per channel per self-healed incident: Discord and Telegram edit one live message', async () => {
    const r = await Receiver.start();
    receivers.push(r);
    td = await startTestDaemon({
      notify: {
        channels: [
          { type: 'discord', url: `${r.base}/discord/42/${DISCORD_TOKEN}` },
          { type: 'telegram', botToken: BOT_TOKEN, chatId: 7, apiBase: `${r.base}/telegram` },
          { type: 'slack', url: `${r.base}/slack/services/T/B/x` },
          { type: 'ntfy', server: `${r.base}/ntfy`, topic: 'clawback' },
        ],
        backoff: { initial: 50, max: 400 },
      },
      // Four kills seconds apart would be one flapping series (quiet after its first recurrence): this measures
      // separate incidents, so the series is off (test/decide/flapping.test.ts counts a series' messages).
      services: [{ name: 'svc', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')], restart: { backoff: { initial: '100ms', jitter: 0 }, flapping: { window: 0 } } }],
    });
    const t = td;
    const rt = t.daemon.runtimes.get('svc')!;
    await waitFor(() => rt.status().health === 'healthy', { timeoutMs: 15_000 });
    // Messages about the daemon itself (started, first start) are not part of an incident.
    const isDaemonNews = (text: string): boolean => /Clawback started|Restart history lost/.test(text);
    const incidentPosts = (ch: 'discord' | 'telegram' | 'slack' | 'ntfy') => r.posts(ch).filter((m) => !isDaemonNews(m.text));
    const before = { discord: incidentPosts('discord').length, telegram: incidentPosts('telegram').length, slack: incidentPosts('slack').length, ntfy: incidentPosts('ntfy').length };
    const incidents = 4;
    for (let i = 1; i <= incidents; i++) {
      const pid = rt.status().pid!;
      process.kill(pid, 'SIGKILL');
      await waitFor(() => t.events.filter((e) => e.type === 'incident.resolved').length >= i && rt.status().health === 'healthy' && rt.status().pid !== pid, { timeoutMs: 20_000 });
    }
    await waitFor(() => incidentPosts('slack').length - before.slack >= incidents * 2, { timeoutMs: 15_000 });
    await new Promise((res) => setTimeout(res, 500));
    expect(r.rejected).toEqual([]);
    const per = (ch: 'discord' | 'telegram' | 'slack' | 'ntfy'): number => (incidentPosts(ch).length - before[ch]) / incidents;
    const edits = r.of('discord').filter((m) => m.op === 'edit').length;
    console.log(`messages per self-healed incident: discord ${per('discord')} (+${edits / incidents} edits), telegram ${per('telegram')}, slack ${per('slack')}, ntfy ${per('ntfy')}; events on the bus per incident ${(t.events.length / incidents).toFixed(1)}`);
    expect(per('discord')).toBe(1);
    expect(per('telegram')).toBe(1);
    expect(per('slack')).toBe(2);
    expect(per('ntfy')).toBe(2);
    expect(edits).toBeGreaterThanOrEqual(incidents);
    // The live message ends with the whole story.
    const last = r.of('discord').at(-1)!.text;
    expect(last).toContain('Recovered');
    expect(last).toContain('Timeline');
  }, 120_000);
});
