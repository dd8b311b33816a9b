// A Telegram channel configured with the chat's public name (chatId "@opsroom", which sendMessage accepts) refused every
// command of an allowed person: an update names its chat by the numeric id, which never equalled "@opsroom".
import { describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { commandBot } from './helpers.js';
import { waitFor } from '../helpers/processes.js';
import type { ClawbackEvent } from '../../src/observe/events.js';

/** A Bot API stand-in on 127.0.0.1: getUpdates hands out the given updates once, every other call is answered ok. */
async function botApi(updates: Array<Record<string, unknown>>): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const body = raw ? (JSON.parse(raw) as { offset?: number }) : {};
      const result = /getUpdates$/.test(req.url ?? '') ? updates.filter((u) => (u.update_id as number) >= (body.offset ?? 0)) : { message_id: 1 };
      const send = (): void => void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, result }));
      // An empty long poll waits a little, as Telegram does, instead of spinning.
      if (Array.isArray(result) && result.length === 0) setTimeout(send, 200);
      else send();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

describe('Telegram commands in a chat configured by its @name', () => {
  it('carries out an allowed person\'s command and still refuses one from another chat', async () => {
    const now = Math.floor(Date.now() / 1000);
    const api = await botApi([
      { update_id: 1, message: { message_id: 10, date: now, chat: { id: -100777, type: 'supergroup', username: 'someoneelse' }, from: { id: 42, username: 'ann' }, text: '/restart gw' } },
      { update_id: 2, message: { message_id: 11, date: now, chat: { id: -100555, type: 'supergroup', username: 'OpsRoom' }, from: { id: 42, username: 'ann' }, text: '/resume gw' } },
    ]);
    const acted: string[] = [];
    const emitted: ClawbackEvent[] = [];
    const bot = commandBot(api.url, '@opsroom', { acted, emitted });
    try {
      bot.start();
      // Before the fix: both refused ("not on the allow-list"), nothing acted on.
      await waitFor(() => (acted.length > 0 ? acted : undefined), { timeoutMs: 10_000 });
      await waitFor(() => emitted.find((e) => e.details?.['action'] === 'chat-refused'), { timeoutMs: 10_000 });
      expect(acted).toEqual(['resume gw']);
    } finally {
      await bot.stop();
      await api.close();
    }
  }, 30_000);

  it('says the chat, not the allow-list, when an allowed person writes in another chat', async () => {
    const now = Math.floor(Date.now() / 1000);
    const api = await botApi([
      { update_id: 1, message: { message_id: 10, date: now, chat: { id: -100777, type: 'supergroup' }, from: { id: 42, username: 'ann' }, text: '/restart gw' } },
      { update_id: 2, message: { message_id: 11, date: now, chat: { id: -100555, type: 'supergroup', username: 'OpsRoom' }, from: { id: 99, username: 'eve' }, text: '/restart gw' } },
    ]);
    const acted: string[] = [];
    const emitted: ClawbackEvent[] = [];
    const bot = commandBot(api.url, '@opsroom', { acted, emitted });
    try {
      bot.start();
      const refusals = await waitFor(() => {
        const r = emitted.filter((e) => e.details?.['action'] === 'chat-refused').map((e) => e.message);
        return r.length >= 2 ? r : undefined;
      }, { timeoutMs: 10_000 });
      expect(acted).toEqual([]);
      // Before the fix: both read "not on the allow-list", though ann is on it.
      expect(refusals.find((m) => m.includes('@ann'))).toBe('chat command "restart" from telegram:@ann refused: sent in chat -100777, not the configured chat @opsroom');
      expect(refusals.find((m) => m.includes('@eve'))).toMatch(/refused: not on the allow-list$/);
    } finally {
      await bot.stop();
      await api.close();
    }
  }, 30_000);
});
