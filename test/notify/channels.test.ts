// Every channel, over real loopback HTTP: awkward text arrives valid, long text arrives truncated.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createNotifier, type Notifier } from '../../src/notify/dispatcher.js';
import { TRUNCATION_MARKER } from '../../src/notify/truncate.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import { Receiver } from './receiver.js';
import { allChannels, config, event, logCollector, removeDir, tempStateDir } from './helpers.js';

describe('channels over loopback', () => {
  let receiver: Receiver;
  let stateDir: string;
  let notifier: Notifier | undefined;

  beforeEach(async () => {
    receiver = await Receiver.start();
    stateDir = await tempStateDir();
  });

  afterEach(async () => {
    await notifier?.stop();
    notifier = undefined;
    await receiver.close();
    await removeDir(stateDir);
  });

  it('delivers awkward text and a 10 kB log excerpt to every channel, valid and truncated', async () => {
    receiver.webhookRequiredHeaders = { Authorization: 'Bearer webhook-header-token-123' };
    const logs = logCollector();
    notifier = createNotifier(config(allChannels(receiver)), { stateDir, clock: systemClock(), redactor: new Redactor(), hostname: 'test-host', log: logs.log });
    const special = 'line one\nline "two" \'quoted\' 🚀🦞 <b>not html</b> & *bold* _it_ [link](x) ~s~ `code` > # + - = | { } . ! \\ end';
    const excerpt = Array.from({ length: 200 }, (_, i) => `${String(i).padStart(4, '0')} ERROR <tag> & "quote" *_[]()~\`>#+-=|{}.! 💥 pad-pad-pad`).join('\n');
    expect(excerpt.length).toBeGreaterThan(10_000);
    notifier.publish(event({ message: special, details: { logExcerpt: excerpt, exitCode: 1 } }));

    await receiver.waitFor(() => receiver.accepted.length === 6, 15_000, 'six channel deliveries');
    expect(receiver.rejected).toEqual([]);
    for (const ch of ['discord', 'slack', 'telegram', 'webhook', 'ntfy'] as const) {
      const msgs = receiver.of(ch);
      expect(msgs.length, ch).toBe(ch === 'telegram' ? 2 : 1);
      for (const m of msgs) {
        expect(m.raw.includes(TRUNCATION_MARKER) || m.raw.includes(JSON.stringify(TRUNCATION_MARKER).slice(1, -1)), `${ch} marker`).toBe(true);
        expect(m.text, `${ch} emoji`).toContain('🚀🦞');
      }
    }
    // The start of the log excerpt survives; its end does not.
    expect(receiver.of('discord')[0]!.text).toContain('0000 ERROR');
    expect(receiver.of('discord')[0]!.text).not.toContain('0199 ERROR');
    const tg = receiver.of('telegram').map((m) => (m.json as { parse_mode: string; text: string }));
    expect(tg.map((t) => t.parse_mode).sort()).toEqual(['HTML', 'MarkdownV2']);
    const webhook = receiver.of('webhook')[0]!.json as Record<string, unknown>;
    expect(webhook).toMatchObject({ version: 1, source: 'clawback', host: 'test-host', delayed: false, kind: 'event', type: 'incident.opened', message: special });
    const ntfy = receiver.of('ntfy')[0]!;
    expect(ntfy.headers['priority']).toBe('5');
    expect(ntfy.headers['tags']).toBe('rotating_light');
    await notifier.flush(5000);
    expect(notifier.stats()).toMatchObject({ delivered: 6, failed: 0 });
    expect(notifier.outboxDepth()).toBe(0);
  });

  it('half a surrogate pair (a log line cut mid-emoji upstream) arrives as U+FFFD on every channel, not as an alert refused for ever', async () => {
    notifier = createNotifier(config(allChannels(receiver)), { stateDir, clock: systemClock(), redactor: new Redactor(), hostname: 'test-host' });
    // What lastLogLines made of `'x'.repeat(499) + '🚀 boom'`: its 500-character cut ends with the high half of the rocket.
    const cut = `${'x'.repeat(499)}\ud83d…`;
    notifier.publish(
      event({
        type: 'incident.escalated',
        message: `gateway needs a human: last words ${cut.slice(-3)} and a stray \udca5 low half`,
        details: { lastLines: [cut], logExcerpt: cut, cause: `ended \ud83d` },
      }),
    );
    await receiver.waitFor(() => receiver.requests.length >= 6, 15_000, 'six channel requests');
    await notifier.flush(5000);
    expect(receiver.rejected).toEqual([]);
    expect(receiver.accepted).toHaveLength(6);
    expect(notifier.stats()).toMatchObject({ delivered: 6, failed: 0 });
    const webhook = receiver.of('webhook')[0]!.json as { message: string; details: { lastLines: string[] } };
    expect(webhook.details.lastLines[0]).toBe(`${'x'.repeat(499)}\ufffd…`);
    expect(webhook.message).toContain('\ufffd low half');
  });

  it('a bidi override in what a service wrote is shown as \\u202e on every channel, so the alert reads as it is', async () => {
    notifier = createNotifier(config(allChannels(receiver)), { stateDir, clock: systemClock(), redactor: new Redactor(), hostname: 'test-host' });
    notifier.publish(event({ type: 'incident.escalated', message: 'probe said: ok \u202edeliaf\u202c \u2066x\u2069 שלום', details: { logExcerpt: 'line \u202eevil' } }));
    await receiver.waitFor(() => receiver.requests.length >= 6, 15_000, 'six channel requests');
    await notifier.flush(5000);
    expect(receiver.accepted).toHaveLength(6);
    for (const m of receiver.accepted) expect(m.raw, m.channel).not.toMatch(/[\u202a-\u202e\u2066-\u2069]/);
    const webhook = receiver.of('webhook')[0]!.json as { message: string };
    expect(webhook.message).toBe('probe said: ok \\u202edeliaf\\u202c \\u2066x\\u2069 שלום');
  });

  it('test() sends one message per channel and reports the status', async () => {
    notifier = createNotifier(config(allChannels(receiver)), { stateDir, clock: systemClock(), redactor: new Redactor(), hostname: 'test-host' });
    const results = await notifier.test();
    expect(results.map((r) => [r.channel, r.ok, r.status])).toEqual([
      ['discord', true, 200],
      ['slack', true, 200],
      ['tg-html', true, 200],
      ['tg-md', true, 200],
      ['webhook', true, 200],
      ['ntfy', true, 200],
    ]);
    expect(receiver.accepted).toHaveLength(6);
    expect(receiver.of('webhook')[0]!.json).toMatchObject({ type: 'notify.test', kind: 'test' });

    const one = await notifier.test('ntfy');
    expect(one).toEqual([{ channel: 'ntfy', ok: true, status: 200 }]);
    const missing = await notifier.test('nope');
    expect(missing[0]).toMatchObject({ channel: 'nope', ok: false });
    expect(missing[0]!.error).toContain('discord, slack');

    receiver.script(1, 404, { body: 'Unknown Webhook' });
    const failed = await notifier.test('discord');
    expect(failed[0]).toMatchObject({ channel: 'discord', ok: false, status: 404 });
    await receiver.down();
    const down = await notifier.test('slack');
    expect(down[0]).toMatchObject({ channel: 'slack', ok: false });
    expect(down[0]!.error).toMatch(/ECONNREFUSED|fetch failed/);
    expect(down[0]!.error).not.toContain('slack-webhook-token');
  });
});
