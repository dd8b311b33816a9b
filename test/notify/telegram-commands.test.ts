// Answering from the chat against a Telegram Bot API stand-in on 127.0.0.1: allowed press resumes, others refused, no replay.
import { afterEach, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { NODE, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { freePort } from '../helpers/ports.js';
import { DEMO_GATEWAY_SERVER } from '../helpers/demo.js';
import { parseCommand } from '../../src/notify/telegram-commands.js';

interface Call {
  method: string;
  body: Record<string, unknown>;
}

/** A Bot API stand-in: getUpdates long-polls a queue the test fills; every other call is recorded and answered ok. */
async function botApi(): Promise<{ url: string; calls: Call[]; push(update: Record<string, unknown>): void; close(): Promise<void> }> {
  const calls: Call[] = [];
  const queue: Array<Record<string, unknown>> = [];
  let nextId = 1;
  const waiting: Array<() => void> = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const method = /\/bot[^/]+\/(\w+)$/.exec(req.url ?? '')?.[1] ?? '?';
      const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
      const reply = (result: unknown): void => void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, result }));
      if (method !== 'getUpdates') {
        calls.push({ method, body });
        return reply(method === 'sendMessage' ? { message_id: calls.length } : true);
      }
      const offset = Number(body.offset ?? 0);
      let answered = false;
      const take = (): void => {
        if (answered) return;
        answered = true;
        clearTimeout(t);
        reply(queue.filter((u) => (u.update_id as number) >= offset));
      };
      const t = setTimeout(take, Math.min(2000, Number(body.timeout ?? 1) * 1000));
      if (queue.some((u) => (u.update_id as number) >= offset)) return take();
      waiting.push(take);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    push(update) {
      queue.push({ update_id: nextId++, ...update });
      for (const w of waiting.splice(0)) w();
    },
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

let td: TestDaemon | undefined;
let api: Awaited<ReturnType<typeof botApi>> | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
  await api?.close();
  api = undefined;
});

describe('chat commands', () => {
  it('parses commands with and without the bot name', () => {
    expect(parseCommand('/resume gw')).toEqual({ action: 'resume', arg: 'gw' });
    expect(parseCommand('/approve@clawback_bot inc-1')).toEqual({ action: 'approve', arg: 'inc-1' });
    expect(parseCommand('/rm -rf')).toBeUndefined();
    expect(parseCommand('hello')).toBeUndefined();
  });

  it('an allowed button press resumes the service; another user is refused and journaled; a replay does nothing', async () => {
    api = await botApi();
    const dir = tempDir();
    const port = await freePort();
    const cfg = path.join(dir, 'gateway.json');
    writeFileSync(cfg, JSON.stringify({ name: 'demo-gateway', host: '127.0.0.1', port: 'oops' }));
    td = await startTestDaemon(
      {
        notify: { channels: [{ type: 'telegram', botToken: '123456:TEST-token', chatId: '100', apiBase: api.url, commands: { allow: [42], pollTimeout: '1s' } }] },
        services: [{ name: 'gw', command: [NODE, DEMO_GATEWAY_SERVER, '--config', cfg, '--port', String(port)], probes: [{ kind: 'http', url: `http://127.0.0.1:${port}/health`, interval: '300ms' }] }],
      },
      { dir },
    );
    const t = td;
    const a = api;
    const offer = await waitFor(() => a.calls.find((c) => c.method === 'sendMessage' && c.body.reply_markup), { timeoutMs: 30_000 });
    const buttons = (offer.body.reply_markup as { inline_keyboard: Array<Array<{ text: string; callback_data: string }>> }).inline_keyboard[0]!;
    const resume = buttons.find((b) => b.text === 'Resume')!.callback_data;
    const message = { message_id: 7, chat: { id: 100 }, text: String(offer.body.text) };

    a.push({ callback_query: { id: 'q1', from: { id: 99, username: 'mallory' }, data: resume, message } });
    await waitFor(() => t.events.some((e) => e.details?.action === 'chat-refused'), { timeoutMs: 10_000 });
    expect(t.daemon.runtimes.get('gw')!.status().incident?.status).toBe('waiting-human');

    writeFileSync(cfg, JSON.stringify({ name: 'demo-gateway', host: '127.0.0.1', port: 0 }));
    a.push({ callback_query: { id: 'q2', from: { id: 42, username: 'ann' }, data: resume, message } });
    await waitFor(() => t.events.some((e) => e.type === 'incident.resolved'), { timeoutMs: 30_000 });
    // The live incident message is edited too (incident mode): look for the bot's own confirmation edit.
    const edit = await waitFor(() => a.calls.find((c) => c.method === 'editMessageText' && /resumed by/.test(String(c.body.text))), { timeoutMs: 10_000 });
    expect(String(edit.body.text)).toMatch(/resumed by @ann at \d\d:\d\d UTC/);
    expect(t.events.find((e) => e.details?.action === 'chat-command')?.details?.by).toBe('telegram:@ann');

    const refusedBefore = t.events.filter((e) => e.details?.action === 'chat-refused').length;
    a.push({ callback_query: { id: 'q3', from: { id: 42, username: 'ann' }, data: resume, message } });
    await waitFor(() => t.events.filter((e) => e.details?.action === 'chat-refused').length > refusedBefore, { timeoutMs: 10_000 });
    expect(a.calls.filter((c) => c.method === 'answerCallbackQuery').map((c) => c.body.text)).toContain('This button was used already or has expired.');
    // The bot token never reaches the journal.
    expect(JSON.stringify(t.journal())).not.toContain('TEST-token');
  });
});
