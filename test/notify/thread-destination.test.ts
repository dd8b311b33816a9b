// A channel's live-message ids (threads.json) belong to the destination they were posted to: after a changed chat or a
// name that shifted to another channel, the next step of an open incident edited a message of that id in the new chat.
import { beforeEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createNotifier, type Notifier } from '../../src/notify/dispatcher.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import { Receiver } from './receiver.js';
import { BOT_TOKEN, config, event, receiversPerTest } from './helpers.js';

describe('live-message ids and a changed destination', () => {
  const bed = receiversPerTest(2);
  const notifiers = bed.notifiers;
  let teamA: Receiver;
  let teamB: Receiver;
  let dir: string;
  beforeEach(() => {
    [teamA, teamB] = bed.receivers as [Receiver, Receiver];
    dir = bed.stateDir;
  });

  const telegram = (r: Receiver, chatId: number) => ({ type: 'telegram' as const, mode: 'incident' as const, botToken: BOT_TOKEN, chatId, apiBase: `${r.base}/telegram` });
  const start = (channels: Parameters<typeof config>[0]): Notifier => {
    const n = createNotifier(config(channels), { stateDir: dir, clock: systemClock(), redactor: new Redactor() });
    notifiers.push(n);
    return n;
  };

  it('posts a new live message in the new chat instead of editing the message with the old id there', async () => {
    const first = start([telegram(teamA, 111)]);
    first.publish(event({ type: 'incident.opened', incidentId: 'inc-1', message: 'gateway down' }));
    await teamA.waitFor(() => teamA.of('telegram').length === 1, 15_000, 'the live message in chat 111');
    await first.flush(5_000);
    await first.stop();
    const oldId = teamA.of('telegram')[0]!.messageId!;

    // Team B's chat has a message of that very id (the bot's own, about something else).
    const other = await fetch(`${teamB.base}/telegram/bot${BOT_TOKEN}/sendMessage`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ chat_id: 222, text: 'runbook: do not edit' }) });
    expect(other.status).toBe(200);
    expect(teamB.of('telegram')[0]!.messageId).toBe(oldId);

    // The person points the channel at another chat (team B's).
    const second = start([telegram(teamB, 222)]);
    second.publish(event({ type: 'incident.action', incidentId: 'inc-1', severity: 'info', message: 'doctor restored the config' }));
    await teamB.waitFor(() => teamB.of('telegram').length === 2, 15_000, 'the step in chat 222');
    await second.flush(5_000);
    const step = teamB.of('telegram')[1]!;
    expect(step.op).toBe('new');
    expect(step.messageId).not.toBe(oldId);
    expect(step.text).toContain('gateway down'); // the timeline is kept
    expect(teamA.of('telegram')).toHaveLength(1);
    // The book now belongs to the new chat: the next step edits the new message there.
    second.publish(event({ type: 'incident.resolved', incidentId: 'inc-1', severity: 'resolved', message: 'healthy again' }));
    await teamB.waitFor(() => teamB.of('telegram').length === 3, 15_000, 'the close');
    expect(teamB.of('telegram')[2]!.op).toBe('edit');
    expect(teamB.of('telegram')[2]!.messageId).toBe(step.messageId);
    const book = JSON.parse(readFileSync(path.join(dir, 'outbox', 'telegram', 'threads.json'), 'utf8')) as { dest?: string };
    expect(typeof book.dest).toBe('string');
  }, 40_000);

  it('a name that shifts to another channel (telegram-2 becomes telegram-1) does not inherit the ids', async () => {
    const first = start([telegram(teamA, 111), telegram(teamB, 222), telegram(teamB, 333)]);
    // Team B's chat already holds the bot's message of the id team A's live message will get.
    await fetch(`${teamB.base}/telegram/bot${BOT_TOKEN}/sendMessage`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ chat_id: 222, text: 'runbook' }) });
    first.publish(event({ type: 'incident.opened', incidentId: 'inc-1', message: 'gateway down' }));
    await teamA.waitFor(() => teamA.of('telegram').length === 1, 15_000, 'A');
    await teamB.waitFor(() => teamB.of('telegram').length === 3, 15_000, 'B');
    await first.flush(5_000);
    await first.stop();
    expect(teamB.of('telegram')[0]!.messageId).toBe(teamA.of('telegram')[0]!.messageId);

    // Team A's channel is removed: team B's chat 222 is `telegram-1` now, chat 333 `telegram-2`.
    const second = start([telegram(teamB, 222), telegram(teamB, 333)]);
    second.publish(event({ type: 'incident.action', incidentId: 'inc-1', severity: 'info', message: 'doctor restored the config' }));
    await teamB.waitFor(() => teamB.of('telegram').length === 5, 15_000, 'the steps in chats 222 and 333');
    await second.flush(5_000);
    const in222 = teamB.of('telegram').slice(3).find((m) => (m.json as { chat_id: string }).chat_id === '222')!;
    // Never the runbook (team A's id in telegram-1's old book): a new live message in chat 222.
    expect(in222.op).toBe('new');
    expect(in222.messageId).not.toBe(teamB.of('telegram')[0]!.messageId);
  }, 40_000);
});
