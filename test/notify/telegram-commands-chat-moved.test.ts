// A group upgraded to a supergroup: Telegram refuses sends to the old id (400, migrate_to_chat_id) and the people now
// write in the new chat. The alerts followed (telegram-chat-moved.test.ts), the buttons and commands did not: every
// button message was refused ("could not be sent ... the commands still work") and every command in the new chat ignored.
import { describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { commandBot } from './helpers.js';
import { waitFor } from '../helpers/processes.js';
import type { ClawbackEvent } from '../../src/observe/events.js';

const OLD = '-4001';
const NEW = -1004001;

/** A Bot API stand-in on 127.0.0.1 for a moved group: sendMessage to the old id is refused with the new id. */
async function movedGroupApi(): Promise<{ url: string; sent: Array<Record<string, unknown>>; updates: Array<Record<string, unknown>>; close(): Promise<void> }> {
  const sent: Array<Record<string, unknown>> = [];
  const updates: Array<Record<string, unknown>> = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
      const json = (status: number, v: unknown): void => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(v));
      if (/getUpdates$/.test(req.url ?? '')) {
        const result = updates.filter((u) => (u.update_id as number) >= Number(body.offset ?? 0));
        if (result.length === 0) return void setTimeout(() => json(200, { ok: true, result: [] }), 200);
        return json(200, { ok: true, result });
      }
      if (String(body.chat_id) === OLD) {
        return json(400, { ok: false, error_code: 400, description: 'Bad Request: group chat was upgraded to a supergroup chat', parameters: { migrate_to_chat_id: NEW } });
      }
      sent.push(body);
      json(200, { ok: true, result: { message_id: sent.length } });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    sent,
    updates,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

describe('Telegram buttons and commands after the group became a supergroup', () => {
  it('sends the buttons to the new chat and takes its commands', async () => {
    const api = await movedGroupApi();
    const acted: string[] = [];
    const emitted: ClawbackEvent[] = [];
    const bot = commandBot(api.url, OLD, { acted, emitted }, { channelName: 'phone', offerRetryMs: [50, 50, 50] });
    try {
      bot.start();
      bot.onEvent({ type: 'incident.escalated', time: Date.now(), severity: 'critical', service: 'gw', incidentId: 'inc-1', message: 'gw needs a human' });
      // Before the fix: four refused tries, then "buttons could not be sent".
      const buttons = await waitFor(() => api.sent.find((b) => b.reply_markup !== undefined) ?? emitted.find((e) => e.type === 'notify.undelivered'), { timeoutMs: 10_000 });
      expect(buttons).toMatchObject({ chat_id: String(NEW) });
      api.updates.push({ update_id: 1, message: { message_id: 7, date: Math.floor(Date.now() / 1000), chat: { id: NEW, type: 'supergroup' }, from: { id: 42 }, text: '/resume gw' } });
      await waitFor(() => (acted.length > 0 ? acted : emitted.find((e) => e.details?.['action'] === 'chat-refused')), { timeoutMs: 10_000 });
      expect(acted).toEqual(['resume gw']);
    } finally {
      await bot.stop();
      await api.close();
    }
  }, 30_000);

  it('takes the new chat\'s commands once the group says it moved, before any button was sent', async () => {
    const api = await movedGroupApi();
    const acted: string[] = [];
    const bot = commandBot(api.url, OLD, { acted });
    const now = Math.floor(Date.now() / 1000);
    api.updates.push(
      { update_id: 1, message: { message_id: 5, date: now, chat: { id: Number(OLD), type: 'group' }, from: { id: 42 }, migrate_to_chat_id: NEW } },
      { update_id: 2, message: { message_id: 1, date: now, chat: { id: NEW, type: 'supergroup' }, from: { id: 42 }, text: '/restart gw' } },
    );
    try {
      bot.start();
      await waitFor(() => (acted.length > 0 ? acted : undefined), { timeoutMs: 10_000 });
      expect(acted).toEqual(['restart gw']);
      // The reply goes to the new chat too.
      await waitFor(() => api.sent.find((b) => b.reply_to_message_id === 1), { timeoutMs: 10_000 });
    } finally {
      await bot.stop();
      await api.close();
    }
  }, 30_000);
  it('takes the new chat\'s commands at once when an earlier run learnt the move (movedTo)', async () => {
    const api = await movedGroupApi();
    const acted: string[] = [];
    const bot = commandBot(api.url, OLD, { acted }, { movedTo: String(NEW) });
    api.updates.push({ update_id: 1, message: { message_id: 2, date: Math.floor(Date.now() / 1000), chat: { id: NEW, type: 'supergroup' }, from: { id: 42 }, text: '/resume gw' } });
    try {
      bot.start();
      await waitFor(() => (acted.length > 0 ? acted : undefined), { timeoutMs: 10_000 });
      expect(acted).toEqual(['resume gw']);
    } finally {
      await bot.stop();
      await api.close();
    }
  }, 30_000);
});
