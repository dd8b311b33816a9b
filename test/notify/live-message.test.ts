// One live message per incident: posted once, edited as steps happen (Discord PATCH, Telegram editMessageText), ids kept across restarts.
import { beforeEach, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createNotifier, type Notifier } from '../../src/notify/dispatcher.js';
import { notifySchema } from '../../src/notify/notify-schema.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import type { ClawbackEvent } from '../../src/observe/events.js';
import { Receiver } from './receiver.js';
import { BOT_TOKEN, DISCORD_TOKEN, receiverPerTest } from './helpers.js';

describe('live incident messages', () => {
  // The receiver, state dir and notifiers of each test (receiverPerTest), under the names the tests use.
  const h = receiverPerTest();
  const notifiers = h.notifiers;
  let receiver: Receiver;
  let stateDir: string;
  beforeEach(() => {
    receiver = h.receiver;
    stateDir = h.stateDir;
  });

  function make(): Notifier {
    const cfg = notifySchema.parse({
      channels: [
        { type: 'discord', url: `${receiver.base}/discord/42/${DISCORD_TOKEN}` },
        { type: 'telegram', botToken: BOT_TOKEN, chatId: 7, apiBase: `${receiver.base}/telegram`, parseMode: 'MarkdownV2' },
        { type: 'slack', url: `${receiver.base}/slack/services/T/B/x` },
      ],
      backoff: { initial: 50, max: 300 },
    });
    const n = createNotifier(cfg, { stateDir, clock: systemClock(), redactor: new Redactor() });
    notifiers.push(n);
    return n;
  }

  const t0 = Date.now();
  const step = (i: number, over: Partial<ClawbackEvent>): ClawbackEvent => ({
    type: 'service.exited',
    time: t0 + i * 1000,
    severity: 'warning',
    message: 'x',
    service: 'gateway',
    ...over,
  });

  it('posts once, edits per step with a timeline, keeps the message id across a restart, and posts anew on escalation', async () => {
    const first = make();
    first.publish(step(0, { message: 'gateway exited (signal SIGKILL, pid 4242)' }));
    first.publish(step(1, { type: 'incident.opened', incidentId: 'inc-1', level: 0, message: 'gateway down: exited with SIGKILL' }));
    first.publish(step(2, { type: 'service.restarting', incidentId: 'inc-1', level: 0, severity: 'info', message: 'restarting gateway (attempt 1)' }));
    await first.flush(5000);
    await first.stop();
    // The message ids are on disk.
    const book = JSON.parse(await readFile(path.join(stateDir, 'outbox', 'discord', 'threads.json'), 'utf8')) as { threads: Record<string, { messageId?: string }> };
    const discordId = book.threads['inc-1']!.messageId!;
    expect(discordId).toBeDefined();

    // A new daemon (new notifier, same state dir) edits the same messages.
    const second = make();
    second.publish(step(3, { type: 'incident.action', incidentId: 'inc-1', level: 2, severity: 'info', message: 'doctor: run `clawback resume gateway` if it stays down' }));
    second.publish(step(4, { type: 'incident.resolved', incidentId: 'inc-1', level: 2, severity: 'resolved', message: 'gateway healthy again', details: { ttrMs: 3000 } }));
    second.publish(step(5, { type: 'incident.opened', incidentId: 'inc-2', level: 0, message: 'gateway down again' }));
    second.publish(step(6, { type: 'incident.escalated', incidentId: 'inc-2', level: 4, severity: 'critical', message: 'gateway needs a human' }));
    await second.flush(5000);

    expect(receiver.rejected).toEqual([]);
    const discord = receiver.of('discord');
    // inc-1: one post and edits (restarting; then the action's edit is skipped, as the resolved edit queued
    // right behind it carries the same timeline); inc-2: a post, and a new post on escalation.
    expect(discord.map((m) => m.op)).toEqual(['new', 'edit', 'edit', 'new', 'new']);
    expect(discord.slice(1, 3).every((m) => m.messageId === discordId)).toBe(true);
    const last1 = discord[2]!.text;
    expect(last1).toContain('gateway exited (signal SIGKILL');
    expect(last1).toContain('Recovered: gateway healthy again');
    expect(last1).toMatch(/\d\d:\d\d:\d\d UTC \(\+\d/);
    expect(last1).toContain('Time to recover');
    // Discord: inline code stays code (no backslash before the backticks).
    expect(discord[2]!.raw).toContain('`clawback resume gateway`');
    expect(discord[2]!.raw).not.toContain('\\\\`clawback');

    const tg = receiver.of('telegram');
    expect(tg.map((m) => m.op)).toEqual(['new', 'edit', 'edit', 'new', 'new']);
    expect(new Set(tg.slice(0, 3).map((m) => m.messageId)).size).toBe(1);
    // MarkdownV2: inline code stays code (the receiver checks the escaping of everything else).
    expect(tg[2]!.text).toContain('`clawback resume gateway`');

    // Slack cannot edit: one message at open, one at close, one per escalation.
    const slack = receiver.of('slack');
    expect(slack).toHaveLength(4);
    expect(slack[1]!.text).toContain('Recovered');
    expect(slack[1]!.text).toContain('restarting gateway');
  });

  it('every-event mode keeps one message per event', async () => {
    const cfg = notifySchema.parse({
      channels: [{ type: 'discord', url: `${receiver.base}/discord/42/${DISCORD_TOKEN}`, mode: 'every-event' }],
      backoff: { initial: 50, max: 300 },
    });
    const n = createNotifier(cfg, { stateDir, clock: systemClock(), redactor: new Redactor() });
    notifiers.push(n);
    n.publish(step(1, { type: 'incident.opened', incidentId: 'inc-9', message: 'down' }));
    n.publish(step(2, { type: 'service.restarting', incidentId: 'inc-9', message: 'restarting' }));
    n.publish(step(3, { type: 'incident.resolved', incidentId: 'inc-9', severity: 'resolved', message: 'up' }));
    await n.flush(5000);
    expect(receiver.of('discord').map((m) => m.op)).toEqual(['new', 'new', 'new']);
  });
});
