// Delivery under trouble, over real loopback HTTP: endpoint down, daemon restart, rate limits, refusals.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { createNotifier, type Notifier } from '../../src/notify/dispatcher.js';
import { systemClock, type Clock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import { Receiver } from './receiver.js';
import { waitFor } from '../helpers/processes.js';
import { config, event, logCollector, receiverPerTest } from './helpers.js';
import { mountSmallDisk } from '../helpers/tmpfs.js';

/** The system clock shifted forward, as if the daemon restarted some minutes later. */
function shiftedClock(offsetMs: number): Clock {
  const c = systemClock();
  return { ...c, now: () => Date.now() + offsetMs };
}

async function outboxFiles(stateDir: string): Promise<string[]> {
  const root = path.join(stateDir, 'outbox');
  const out: string[] = [];
  for (const dir of await readdir(root).catch(() => [] as string[])) {
    for (const f of await readdir(path.join(root, dir)).catch(() => [] as string[])) if (f.endsWith('.json')) out.push(`${dir}/${f}`);
  }
  return out;
}

describe('delivery', () => {
  // The receiver, state dir and notifiers of each test (receiverPerTest), under the names the tests use.
  const h = receiverPerTest();
  const notifiers = h.notifiers;
  let receiver: Receiver;
  let stateDir: string;
  beforeEach(() => {
    receiver = h.receiver;
    stateDir = h.stateDir;
  });

  function channels(): Parameters<typeof config>[0] {
    return [
      { type: 'webhook', url: `${receiver.base}/webhook/a` },
      { type: 'discord', url: `${receiver.base}/discord/1/tok-abcdefghijklmnop` },
    ];
  }

  it('spools while the endpoint is down and delivers every alert exactly once, in order', async () => {
    const logs = logCollector();
    const n = createNotifier(config(channels()), { stateDir, clock: systemClock(), redactor: new Redactor(), log: logs.log });
    notifiers.push(n);
    await receiver.down();
    const messages = ['first', 'second', 'third', 'fourth'];
    for (const m of messages) n.publish(event({ message: m }));
    expect(n.outboxDepth()).toBe(8);
    // Written to disk before the first attempt, and retried meanwhile.
    const deadline = Date.now() + 5000;
    while ((await outboxFiles(stateDir)).length < 8 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(await outboxFiles(stateDir)).toHaveLength(8);
    // The first failed attempt is logged when it fails, not within a fixed 400 ms (a loaded machine is slower than that).
    await waitFor(() => logs.lines.some((l) => l.includes('will retry')), { timeoutMs: 15_000, message: "a failed attempt logged as 'will retry'" });

    await receiver.up();
    await receiver.waitFor(() => receiver.accepted.length >= 8, 10_000, 'all alerts after recovery');
    await n.flush(5000);
    for (const ch of ['webhook', 'discord'] as const) {
      const got = receiver.of(ch).map((m) => (ch === 'webhook' ? (m.json as { message: string }).message : m.text.split('\n')[1]!));
      expect(got).toEqual(messages);
    }
    expect(receiver.accepted).toHaveLength(8);
    expect(n.outboxDepth()).toBe(0);
    expect(await outboxFiles(stateDir)).toEqual([]);
    expect(n.stats()).toMatchObject({ delivered: 8, failed: 0, dropped: 0 });
  });

  it('a new notifier over the same stateDir delivers what was pending, marked delayed', async () => {
    await receiver.down();
    const first = createNotifier(config(channels()), { stateDir, clock: systemClock(), redactor: new Redactor() });
    notifiers.push(first);
    const messages = ['one', 'two', 'three'];
    for (const m of messages) first.publish(event({ message: m }));
    const deadline = Date.now() + 5000;
    while ((await outboxFiles(stateDir)).length < 6 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await first.stop();
    expect(await outboxFiles(stateDir)).toHaveLength(6);

    await receiver.up();
    const second = createNotifier(config(channels()), { stateDir, clock: shiftedClock(5 * 60_000), redactor: new Redactor() });
    notifiers.push(second);
    expect(second.outboxDepth()).toBe(6);
    second.publish(event({ message: 'four', time: Date.now() + 5 * 60_000 }));
    await receiver.waitFor(() => receiver.accepted.length >= 8, 10_000, 'pending alerts after restart');
    await second.flush(5000);
    const hook = receiver.of('webhook').map((m) => m.json as { message: string; delayed: boolean });
    expect(hook.map((h) => h.message)).toEqual([...messages, 'four']);
    expect(hook.map((h) => h.delayed)).toEqual([true, true, true, false]);
    const discord = receiver.of('discord').map((m) => m.text);
    expect(discord).toHaveLength(4);
    expect(discord[0]).toMatch(/\(delayed, event at \d\d:\d\d:\d\d UTC\)/);
    expect(discord[3]).not.toContain('delayed');
    expect(await outboxFiles(stateDir)).toEqual([]);
  });

  it('alerts kept for a channel that was renamed are counted, announced on the working channels, never sent elsewhere, and can be discarded', async () => {
    await receiver.down();
    const first = createNotifier(config([{ type: 'discord', url: `${receiver.base}/discord/1/tok-abcdefghijklmnop` }]), { stateDir, clock: systemClock(), redactor: new Redactor() });
    notifiers.push(first);
    for (const m of ['one', 'two', 'three']) first.publish(event({ message: m }));
    const deadline = Date.now() + 5000;
    while ((await outboxFiles(stateDir)).length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await first.stop();
    expect(await outboxFiles(stateDir)).toHaveLength(3);

    // A second Discord channel renames the first to discord-1, now pointed at another webhook: the pending alerts wait for
    // the name "discord" (one that keeps its URL takes them along: spool-destination.test.ts).
    await receiver.up();
    const emitted: string[] = [];
    const renamed = config([
      { type: 'discord', url: `${receiver.base}/discord/3/tok-abcdefghijklmnop` },
      { type: 'discord', url: `${receiver.base}/discord/2/tok-qrstuvwxyzabcdef` },
    ]);
    expect(renamed.channels.map((c) => c.name)).toEqual(['discord-1', 'discord-2']);
    const warned: string[] = [];
    let second: Notifier | undefined = undefined;
    second = createNotifier(renamed, {
      stateDir,
      clock: systemClock(),
      redactor: new Redactor(),
      warn: (m) => warned.push(m),
      emit: (e) => {
        emitted.push(e.message);
        second?.publish(e);
      },
    });
    notifiers.push(second);
    expect(second.stranded()).toEqual({ discord: 3 });
    expect(second.outboxDepth()).toBe(3);
    expect(warned.some((w) => w.includes('3 alert(s) are kept for the channel "discord", which is not configured'))).toBe(true);
    await receiver.waitFor(() => receiver.accepted.length >= 2, 10_000, 'the notice on both working channels');
    expect(emitted.some((m) => m.includes('`clawback notify discard discord`'))).toBe(true);
    await second.flush(5000);
    // Only the notice went out, once per working channel; none of the kept alerts reached another channel.
    expect(receiver.accepted).toHaveLength(2);
    expect(receiver.accepted.every((m) => m.text.includes('kept for the channel'))).toBe(true);
    expect(second.retryDeadLetters('discord')).toBe(0);

    expect(second.discardDeadLetters('discord')).toBe(3);
    expect(second.stranded()).toEqual({});
    expect(second.outboxDepth()).toBe(0);
    const gone = Date.now() + 5000;
    while ((await outboxFiles(stateDir)).length > 0 && Date.now() < gone) await new Promise((r) => setTimeout(r, 20));
    expect(await outboxFiles(stateDir)).toEqual([]);
  });

  it('alerts kept for a renamed channel are delivered, in order, once the name is back', async () => {
    await receiver.down();
    const hook = { type: 'webhook' as const, name: 'ops', url: `${receiver.base}/webhook/a` };
    const first = createNotifier(config([hook]), { stateDir, clock: systemClock(), redactor: new Redactor() });
    notifiers.push(first);
    for (const m of ['one', 'two']) first.publish(event({ message: m }));
    const deadline = Date.now() + 5000;
    while ((await outboxFiles(stateDir)).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await first.stop();
    await receiver.up();
    const away = createNotifier(config([{ ...hook, name: 'oncall' }]), { stateDir, clock: systemClock(), redactor: new Redactor() });
    notifiers.push(away);
    expect(away.stranded()).toEqual({ ops: 2 });
    await receiver.waitFor(() => receiver.accepted.length >= 1, 10_000, 'the notice on the renamed channel');
    await away.flush(2000);
    await away.stop();
    const said = (): string[] => receiver.of('webhook').map((m) => (m.json as { message: string }).message);
    expect(said()).toHaveLength(1);
    expect(said()[0]).toContain('2 alert(s) are kept for the channel "ops"');
    const back = createNotifier(config([hook]), { stateDir, clock: systemClock(), redactor: new Redactor() });
    notifiers.push(back);
    expect(back.stranded()).toEqual({});
    await receiver.waitFor(() => receiver.accepted.length >= 3, 10_000, 'the kept alerts once the channel is back');
    expect(said().slice(1)).toEqual(['one', 'two']);
  });

  it('alerts kept for a removed channel are bounded (outboxLimit, outboxMaxAge) and announced once per change, not per start', async () => {
    await receiver.down();
    const hook = { type: 'webhook' as const, name: 'ops', url: `${receiver.base}/webhook/a` };
    const first = createNotifier(config([hook]), { stateDir, clock: systemClock(), redactor: new Redactor() });
    notifiers.push(first);
    for (let i = 0; i < 12; i++) first.publish(event({ incidentId: `inc-${i}`, message: `kept ${i}` }));
    await first.stop();
    expect(await outboxFiles(stateDir)).toHaveLength(12);
    await receiver.up();

    const notices = (): string[] => receiver.of('webhook').map((m) => (m.json as { message: string }).message).filter((m) => m.includes('kept for the channel "ops"'));
    /** One daemon start with the channel renamed: a marker alert is sent, then whatever the start announced is drained. */
    const start = async (i: number, extra: Parameters<typeof config>[1], clock = systemClock()): Promise<{ n: Notifier; warned: string[] }> => {
      const warned: string[] = [];
      const n = createNotifier(config([{ ...hook, name: 'oncall' }], extra), { stateDir, clock, redactor: new Redactor(), warn: (m) => warned.push(m) });
      notifiers.push(n);
      n.publish(event({ type: 'service.healthy', severity: 'info', level: undefined, incidentId: undefined, message: `marker ${i}` }));
      await receiver.waitFor(() => receiver.of('webhook').some((m) => (m.json as { message: string }).message === `marker ${i}`), 10_000, `marker ${i}`);
      await n.flush(5000);
      await n.stop();
      return { n, warned };
    };

    const a = await start(1, {});
    expect(a.n.stranded()).toEqual({ ops: 12 });
    expect(notices()).toHaveLength(1);
    // Started again and again, nothing changed: not announced again.
    await start(2, {});
    await start(3, {});
    expect(notices()).toHaveLength(1);

    // A smaller outboxLimit: the oldest two go, with a warning, and the new count is announced once.
    const b = await start(4, { outboxLimit: 10 });
    expect(b.n.stranded()).toEqual({ ops: 10 });
    expect(b.warned.some((w) => w.includes('2 alert(s) kept for the channel "ops"') && w.includes('2 past outboxLimit'))).toBe(true);
    expect((await outboxFiles(stateDir)).filter((f) => f.startsWith('ops/'))).toHaveLength(10);
    expect(notices()).toHaveLength(2);
    expect(notices()[1]).toContain('10 alert(s) are kept');
    await start(5, { outboxLimit: 10 });
    expect(notices()).toHaveLength(2);

    // Past outboxMaxAge they go, and the empty directory of the removed channel with them; nothing is announced.
    const c = await start(6, { outboxLimit: 10 }, shiftedClock(8 * 24 * 3_600_000));
    expect(c.n.stranded()).toEqual({});
    expect(c.warned.some((w) => w.includes('10 older than outboxMaxAge'))).toBe(true);
    expect(await readdir(path.join(stateDir, 'outbox'))).not.toContain('ops');
    expect(notices()).toHaveLength(2);
  });

  it('a full disk under the outbox is said once, as a warning, and the alerts still go out from memory', async () => {
    const disk = mountSmallDisk('1m');
    try {
      const warned: string[] = [];
      const logs = logCollector();
      const n = createNotifier(config([{ type: 'webhook', url: `${receiver.base}/webhook/a` }]), {
        stateDir: disk.dir,
        clock: systemClock(),
        redactor: new Redactor(),
        log: logs.log,
        warn: (m) => warned.push(m),
      });
      notifiers.push(n);
      disk.fill();
      for (let i = 0; i < 20; i++) n.publish(event({ incidentId: `inc-${i}`, message: `on a full disk ${i}` }));
      await receiver.waitFor(() => receiver.of('webhook').length >= 20, 10_000, 'every alert, from memory');
      expect(warned.filter((w) => w.includes('could not write the outbox'))).toHaveLength(1);
      expect(logs.lines.filter((l) => l.includes('could not write the outbox'))).toEqual([]);
      disk.free();
      n.publish(event({ incidentId: 'inc-back', message: 'disk has room again' }));
      await receiver.waitFor(() => receiver.of('webhook').length >= 21, 10_000, 'the alert after the disk has room');
      expect(logs.lines.some((l) => l.includes('the outbox is writable again'))).toBe(true);
      await n.stop();
    } finally {
      disk.unmount();
    }
  });

  it('honours 429 Retry-After (the retry never comes early)', async () => {
    const n = createNotifier(config(channels().slice(1)), { stateDir, clock: systemClock(), redactor: new Redactor() });
    notifiers.push(n);
    receiver.rateLimit(1, 1);
    n.publish(event({ message: 'rate limited' }));
    await receiver.waitFor(() => receiver.accepted.length === 1, 10_000, 'delivery after 429');
    const limited = receiver.requests.find((r) => r.status === 429)!;
    expect(limited).toBeDefined();
    expect(receiver.accepted[0]!.at - limited.at).toBeGreaterThanOrEqual(1000);
  });

  it('a 429 after an outage is retried when the server asked, not after the backoff the outage grew', async () => {
    const logs = logCollector();
    let attempts = 0;
    const n = createNotifier(config(channels().slice(1), { backoff: { initial: 20, max: 60_000 } }), {
      stateDir,
      clock: systemClock(),
      redactor: new Redactor(),
      log: logs.log,
      random: () => 0.5,
      onAttempt: () => attempts++,
    });
    notifiers.push(n);
    await receiver.down();
    n.publish(event({ type: 'incident.escalated', level: 4, message: 'page after the outage' }));
    // Seven refused connections: the next wait is 20 ms · 2^6 = 1.3 s, the one after 2.6 s.
    const deadline = Date.now() + 20_000;
    while (attempts < 7 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(attempts).toBeGreaterThanOrEqual(7);
    receiver.rateLimit(1, 1);
    await receiver.up();
    await receiver.waitFor(() => receiver.accepted.length === 1, 20_000, 'delivery after the 429');
    const limited = receiver.requests.find((r) => r.status === 429)!;
    expect(receiver.accepted[0]!.at - limited.at).toBeGreaterThanOrEqual(1000);
    // The wait it chose after the 429: the server's second (and the margin), not the outage's 2.6 s.
    const line = logs.lines.find((l) => l.includes('will retry') && l.includes('HTTP 429'))!;
    const retryInMs = Number(/"retryInMs":(\d+)/.exec(line)?.[1]);
    expect(retryInMs).toBeGreaterThanOrEqual(1000);
    expect(retryInMs).toBeLessThan(1100);
  });

  it('a 429 asking for an hour holds the message back five minutes at most', async () => {
    const logs = logCollector();
    const n = createNotifier(config(channels().slice(1)), { stateDir, clock: systemClock(), redactor: new Redactor(), log: logs.log });
    notifiers.push(n);
    receiver.rateLimit(1, 3600);
    n.publish(event({ type: 'incident.escalated', level: 4, message: 'page held by a rate limit' }));
    await receiver.waitFor(() => logs.lines.some((l) => l.includes('will retry')), 10_000, 'the 429');
    const line = logs.lines.find((l) => l.includes('will retry'))!;
    expect(Number(/"retryInMs":(\d+)/.exec(line)?.[1])).toBeLessThanOrEqual(5 * 60_000 + 25);
    // A flush cuts the wait: the message was kept.
    n.retryDeadLetters();
    await receiver.waitFor(() => receiver.accepted.length === 1, 10_000, 'delivery on flush');
  });

  it('a 429 with Retry-After: 0 answered again and again is retried with the growing backoff, not every 25 ms', async () => {
    const logs = logCollector();
    const n = createNotifier(config(channels().slice(0, 1)), { stateDir, clock: systemClock(), redactor: new Redactor(), log: logs.log });
    notifiers.push(n);
    receiver.script(10_000, 429, { retryAfterSec: 0 });
    const started = performance.now();
    n.publish(event({ message: 'rate limited for ever' }));
    // Watched for 2 s at least, and until the third try (a starved event loop can take longer to make three).
    const refused = (): number => receiver.requests.filter((r) => r.status === 429).length;
    await new Promise((r) => setTimeout(r, 2000));
    await receiver.waitFor(() => refused() >= 3, 20_000, 'three tries');
    const tries = refused();
    const logged = logs.lines.filter((l) => l.includes('delivery failed')).length;
    // Backoff 50 ms doubling to 300 ms, -20 % jitter at most: the most tries the time watched allows (11 in 2 s; a
    // 25 ms loop made ~70), measured, so a slow machine is not held to 2 s.
    const elapsedMs = performance.now() - started;
    let most = 1;
    for (let waited = 0; (waited += 0.8 * Math.min(300, 50 * 2 ** (most - 1))) <= elapsedMs; ) most++;
    expect(tries).toBeLessThanOrEqual(most + 1);
    expect(logged).toBeLessThanOrEqual(most + 1);
    receiver.clearScript();
    await receiver.waitFor(() => receiver.accepted.length === 1, 15_000, 'delivery once the limit is over');
  });

  it('parks a message refused with 4xx in the dead letters, logs it without the URL, and goes on with the next', async () => {
    const logs = logCollector();
    const n = createNotifier(config(channels().slice(0, 1)), { stateDir, clock: systemClock(), redactor: new Redactor(), log: logs.log });
    notifiers.push(n);
    receiver.script(1, 404, { body: `no hook at ${receiver.base}/webhook/a` });
    n.publish(event({ message: 'refused' }));
    n.publish(event({ message: 'accepted' }));
    await receiver.waitFor(() => receiver.accepted.length === 1, 10_000);
    await n.flush(5000);
    expect((receiver.accepted[0]!.json as { message: string }).message).toBe('accepted');
    expect(n.stats()).toMatchObject({ delivered: 1, failed: 1, dropped: 0, deadLettered: 1 });
    expect(n.deadLetters()).toEqual({ webhook: 1 });
    expect(await outboxFiles(stateDir)).toEqual([]);
    expect(await readdir(path.join(stateDir, 'outbox', 'webhook', 'dead'))).toHaveLength(1);
    const all = logs.lines.join('\n');
    expect(all).toContain('refused by the endpoint');
    expect(all).toContain('1 alert(s) undelivered to webhook');
    // A flush retries it (the endpoint accepts it now); nothing is left.
    expect(n.retryDeadLetters('webhook')).toBe(1);
    await receiver.waitFor(() => receiver.accepted.length === 2, 10_000);
    expect((receiver.accepted[1]!.json as { message: string }).message).toBe('refused');
    await n.flush(5000);
    expect(n.deadLetters()).toEqual({ webhook: 0 });
    expect(all).not.toContain(`${receiver.base}/webhook/a`);
  });

  it('a channel that refuses every alert (a deleted webhook) is announced once per dedupWindow on the others, not once per alert', async () => {
    const other = await Receiver.start();
    try {
      const n = createNotifier(
        config([
          { type: 'webhook', url: `${receiver.base}/webhook/a` },
          { type: 'discord', url: `${other.base}/discord/1/tok-abcdefghijklmnop` },
        ]),
        { stateDir, clock: systemClock(), redactor: new Redactor() },
      );
      notifiers.push(n);
      other.script(1000, 404, { body: '{"message": "Unknown Webhook", "code": 10015}' });
      for (let i = 0; i < 10; i++) n.publish(event({ message: `alert ${i}`, incidentId: `inc-${i}` }));
      await other.waitFor(() => other.requests.length >= 10, 10_000, 'ten refusals');
      await n.flush(5000);
      // Waited for (the notice follows the refusals), then a quiet 300 ms in which no second notice may come.
      const accepted = (type: string): number => receiver.accepted.filter((m) => (m.json as { type: string }).type === type).length;
      await receiver.waitFor(() => accepted('incident.opened') >= 10 && accepted('notify.undelivered') >= 1, 15_000, 'the ten alerts and the notice');
      await new Promise((r) => setTimeout(r, 300));
      const types = receiver.accepted.map((m) => (m.json as { type: string }).type);
      expect(types.filter((t) => t === 'incident.opened')).toHaveLength(10);
      expect(types.filter((t) => t === 'notify.undelivered')).toHaveLength(1);
      expect(n.deadLetters()).toEqual({ webhook: 0, discord: 10 });
    } finally {
      await other.close();
    }
  });

  it('two channels that both refuse everything do not answer each other’s "undelivered" notices without end', async () => {
    // Before: each parked notice announced itself on the other channel, which parked it and announced that, and so on:
    // thousands of outbox files a minute from one alert.
    const other = await Receiver.start();
    try {
      const n = createNotifier(
        config([
          { type: 'webhook', url: `${receiver.base}/webhook/a` },
          { type: 'discord', url: `${other.base}/discord/1/tok-abcdefghijklmnop` },
        ]),
        { stateDir, clock: systemClock(), redactor: new Redactor() },
      );
      notifiers.push(n);
      receiver.script(1000, 404, { body: 'no such hook' });
      other.script(1000, 404, { body: '{"message": "Unknown Webhook", "code": 10015}' });
      n.publish(event({ message: 'the only alert' }));
      // Each channel: the alert, then the other channel's notice about it; then nothing more.
      await receiver.waitFor(() => receiver.requests.length >= 2 && other.requests.length >= 2, 10_000, 'the alert and one notice on each channel');
      await n.flush(5000);
      await new Promise((r) => setTimeout(r, 500));
      expect(receiver.requests).toHaveLength(2);
      expect(other.requests).toHaveLength(2);
      expect(n.deadLetters()).toEqual({ webhook: 2, discord: 2 });
      expect(n.outboxDepth()).toBe(4);
      // Nothing is lost: the notices are dead letters too, and a flush retries them.
      expect(n.retryDeadLetters()).toBe(4);
      await receiver.waitFor(() => receiver.requests.length >= 4 && other.requests.length >= 4, 10_000, 'the flushed dead letters');
      await n.flush(5000);
      await new Promise((r) => setTimeout(r, 300));
      expect(receiver.requests).toHaveLength(4);
      expect(other.requests).toHaveLength(4);
      expect(n.outboxDepth()).toBe(4);
    } finally {
      await other.close();
    }
  });

  it('a Telegram message refused for its markup ("can\'t parse entities") is sent again as plain text, not parked for ever', async () => {
    // Before: parked as refused; `notify flush` sent the same bytes and got the same 400, so it never arrived.
    const logs = logCollector();
    const n = createNotifier(config([{ type: 'telegram', botToken: '123456789:AAH-test_token_abcdefghijklmnopqrstuvwxyz0', chatId: 1, apiBase: `${receiver.base}/telegram`, parseMode: 'MarkdownV2' }]), {
      stateDir,
      clock: systemClock(),
      redactor: new Redactor(),
      log: logs.log,
    });
    notifiers.push(n);
    receiver.script(1, 400, { body: JSON.stringify({ ok: false, error_code: 400, description: "Bad Request: can't parse entities: Can't find end of Pre entity at byte offset 57" }) });
    n.publish(event({ message: 'gateway crashed: model output ```json {"a": 1} `x` *bold*' }));
    await receiver.waitFor(() => receiver.accepted.length === 1, 10_000, 'the plain-text resend');
    await n.flush(5000);
    const sent = receiver.accepted[0]!.json as { text: string; parse_mode?: string };
    expect(sent.parse_mode).toBeUndefined();
    expect(sent.text).toContain('gateway crashed: model output ```json {"a": 1} `x` *bold*');
    expect(n.deadLetters()).toEqual({ telegram: 0 });
    expect(n.stats()).toMatchObject({ delivered: 1, failed: 0 });
    expect(logs.lines.join('\n')).toContain('sending it as plain text');
  });

  it('after maxAttempts 5xx answers the message becomes a dead letter, still retried, and arrives before the next', async () => {
    const n = createNotifier(config(channels().slice(0, 1), { maxAttempts: 3 }), { stateDir, clock: systemClock(), redactor: new Redactor() });
    notifiers.push(n);
    receiver.script(3, 503);
    n.publish(event({ message: 'poison' }));
    n.publish(event({ message: 'next' }));
    await receiver.waitFor(() => receiver.accepted.length >= 2, 10_000);
    expect(receiver.requests.filter((r) => r.status === 503)).toHaveLength(3);
    expect(receiver.accepted.map((m) => (m.json as { message: string }).message)).toEqual(['poison', 'next']);
    await n.flush(5000);
    expect(n.stats()).toMatchObject({ delivered: 2, failed: 1, dropped: 0, deadLettered: 1 });
    expect(n.deadLetters()).toEqual({ webhook: 0 });
  });

  it('times out a request that gets no answer and retries it', async () => {
    const logs = logCollector();
    const n = createNotifier(config(channels().slice(0, 1), { timeout: 1000 }), { stateDir, clock: systemClock(), redactor: new Redactor(), log: logs.log });
    notifiers.push(n);
    receiver.script(1, 0, { hang: true });
    n.publish(event({ message: 'slow endpoint' }));
    await receiver.waitFor(() => receiver.accepted.length === 1, 10_000, 'delivery after a timeout');
    expect(receiver.requests.length).toBeGreaterThanOrEqual(2);
    expect(logs.lines.join('\n')).toContain('timed out after 1000 ms');
  });

  it('keeps messages older than outboxMaxAge as dead letters (never dropped) until discarded', async () => {
    await receiver.down();
    const first = createNotifier(config(channels().slice(0, 1)), { stateDir, clock: systemClock(), redactor: new Redactor() });
    notifiers.push(first);
    first.publish(event({ message: 'old' }));
    const deadline = Date.now() + 5000;
    while ((await outboxFiles(stateDir)).length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await first.stop();
    await receiver.up();
    const second = createNotifier(config(channels().slice(0, 1), { outboxMaxAge: '1h' }), {
      stateDir,
      clock: shiftedClock(2 * 3_600_000),
      redactor: new Redactor(),
    });
    notifiers.push(second);
    await second.flush(5000);
    expect(second.stats()).toMatchObject({ dropped: 0, delivered: 0, deadLettered: 1 });
    expect(second.deadLetters()).toEqual({ webhook: 1 });
    expect(receiver.accepted).toHaveLength(0);
    expect(await outboxFiles(stateDir)).toEqual([]);
    expect(await readdir(path.join(stateDir, 'outbox', 'webhook', 'dead'))).toHaveLength(1);
    expect(second.discardDeadLetters()).toBe(1);
    expect(second.deadLetters()).toEqual({ webhook: 0 });
    // The files go in the background: waited for, not given a fixed 100 ms.
    await waitFor(async () => (await readdir(path.join(stateDir, 'outbox', 'webhook', 'dead'))).length === 0, { timeoutMs: 15_000, message: 'the discarded dead letter removed from disk' });
    expect(second.stats().dropped).toBe(1);
  });

  it('stop() is idempotent and publish never throws afterwards', async () => {
    const n = createNotifier(config(channels()), { stateDir, clock: systemClock(), redactor: new Redactor() });
    await n.stop();
    await n.stop();
    expect(() => n.publish(event())).not.toThrow();
    expect(() => n.publish({} as never)).not.toThrow();
  });
});
