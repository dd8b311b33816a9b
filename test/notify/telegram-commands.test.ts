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
import { FIXTURES } from '../helpers/daemon.js';
import type { StandIn } from '../emergency/model-standins.js';
import { brokenGatewayNeedingApproval } from '../helpers/approval-gateway.js';
import { parseCommand, TelegramCommands } from '../../src/notify/telegram-commands.js';
import { systemClock } from '../../src/platform/clock.js';
import type { ClawbackEvent } from '../../src/observe/events.js';

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
let standIn: StandIn | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
  await api?.close();
  api = undefined;
  await standIn?.close();
  standIn = undefined;
  delete process.env.OPENAI_API_KEY;
});

type Keyboard = { inline_keyboard: Array<Array<{ text: string; callback_data: string }>> };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const telegram = (url: string): Record<string, unknown> => ({ type: 'telegram', botToken: '123456:TEST-token', chatId: '100', apiBase: url, commands: { allow: [42], pollTimeout: '1s' } });

describe('buttons through an outage', () => {
  /** A Bot API that answers 502 to the first `failures` sendMessage calls, then ok; getUpdates answers empty. */
  async function flakyApi(failures: number): Promise<{ url: string; sends: Array<Record<string, unknown>>; close(): Promise<void> }> {
    const sends: Array<Record<string, unknown>> = [];
    let failed = 0;
    const server = http.createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString()));
      req.on('end', () => {
        if (!/sendMessage$/.test(req.url ?? '')) return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, result: [] }));
        if (failed++ < failures) return void res.writeHead(502).end('bad gateway');
        sends.push(JSON.parse(raw) as Record<string, unknown>);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, result: { message_id: sends.length } }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, sends, close: () => new Promise<void>((r) => server.close(() => r())) };
  }
  const escalation: ClawbackEvent = { type: 'incident.escalated', time: Date.now(), severity: 'critical', service: 'gw', incidentId: 'inc-1', message: 'gw needs a human' };
  const bot = (url: string, emitted: ClawbackEvent[], open: () => string | null) =>
    new TelegramCommands({
      apiBase: url,
      botToken: '123456:TEST-token',
      chatId: '100',
      allow: [42],
      pollTimeoutMs: 1000,
      clock: systemClock(),
      actions: { incidentOf: open, act: async () => ({ ok: true, message: '' }), statusLine: () => '' },
      emit: (e) => emitted.push(e),
      redact: (t) => t,
      channelName: 'phone',
      offerRetryMs: [50, 50, 50],
    });

  it('a message with buttons that met a 502 is sent again until it gets through, bounded', async () => {
    const flaky = await flakyApi(2);
    const emitted: ClawbackEvent[] = [];
    const b = bot(flaky.url, emitted, () => 'inc-1');
    try {
      b.onEvent(escalation);
      const sent = await waitFor(() => flaky.sends[0], { timeoutMs: 10_000 });
      expect((sent.reply_markup as Keyboard).inline_keyboard[0]!.map((k) => k.text)).toContain('Resume');
      expect(emitted).toEqual([]);
    } finally {
      await b.stop();
      await flaky.close();
    }
  });

  it('gives up after its tries with a notice that names the commands, and stops trying once the incident is over', async () => {
    const down = await flakyApi(100);
    const emitted: ClawbackEvent[] = [];
    const b = bot(down.url, emitted, () => 'inc-1');
    try {
      b.onEvent(escalation);
      const notice = await waitFor(() => emitted[0], { timeoutMs: 10_000 });
      expect(notice).toMatchObject({ type: 'notify.undelivered', details: { channel: 'phone', incidentId: 'inc-1', buttons: 'escalation' } });
      expect(notice.message).toContain('after 4 tries; the commands still work (/resume gw)');
    } finally {
      await b.stop();
    }
    const over: ClawbackEvent[] = [];
    const b2 = bot(down.url, over, () => null);
    try {
      b2.onEvent(escalation);
      await sleep(400);
      expect(over).toEqual([]);
    } finally {
      await b2.stop();
      await down.close();
    }
  });
});

describe('button answers', () => {
  it("a failed action's answer (the popup) is redacted like the reply and the edited message", async () => {
    api = await botApi();
    const a = api;
    const b = new TelegramCommands({
      apiBase: a.url,
      botToken: '123456:TEST-token',
      chatId: '100',
      allow: [42],
      pollTimeoutMs: 1000,
      clock: systemClock(),
      // An action whose failure quotes what it ran into: here a secret of the service's config.
      actions: { incidentOf: () => 'inc-1', act: async () => ({ ok: false, message: 'restart gw: refused, its config says token sk-live-SECRET42' }), statusLine: () => '' },
      emit: () => undefined,
      redact: (t) => t.replaceAll('sk-live-SECRET42', '[REDACTED]'),
    });
    try {
      b.start();
      b.onEvent({ type: 'incident.escalated', time: Date.now(), severity: 'critical', service: 'gw', incidentId: 'inc-1', message: 'gw needs a human' });
      const offer = await waitFor(() => a.calls.find((c) => c.method === 'sendMessage' && c.body.reply_markup), { timeoutMs: 10_000 });
      const restart = (offer.body.reply_markup as Keyboard).inline_keyboard[0]!.find((k) => k.text === 'Restart')!.callback_data;
      a.push({ callback_query: { id: 'p1', from: { id: 42, username: 'ann' }, data: restart, message: { message_id: 12, chat: { id: 100 }, text: String(offer.body.text) } } });
      const popup = await waitFor(() => a.calls.find((c) => c.method === 'answerCallbackQuery' && c.body.callback_query_id === 'p1'), { timeoutMs: 10_000 });
      expect(popup.body.text).toContain('[REDACTED]');
      const edited = await waitFor(() => a.calls.find((c) => c.method === 'editMessageText'), { timeoutMs: 10_000 });
      expect(JSON.stringify([popup.body, edited.body])).not.toContain('SECRET42');
    } finally {
      await b.stop();
    }
  });
});

describe('redirects', () => {
  it('never follows a redirect: the bot token in the path would go wherever the Location points', async () => {
    // The elsewhere endpoint: a redirect target that must never see a request (nor the token in its path).
    const seen: string[] = [];
    const elsewhere = http.createServer((req, res) => {
      seen.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, result: [] }));
    });
    await new Promise<void>((r) => elsewhere.listen(0, '127.0.0.1', r));
    const target = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}`;
    let redirected = 0;
    const api = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        redirected++;
        res.writeHead(308, { location: `${target}${req.url ?? '/'}` }).end();
      });
    });
    await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
    const emitted: ClawbackEvent[] = [];
    const b = new TelegramCommands({
      apiBase: `http://127.0.0.1:${(api.address() as AddressInfo).port}`,
      botToken: '123456:TEST-token',
      chatId: '100',
      allow: [42],
      pollTimeoutMs: 1000,
      clock: systemClock(),
      actions: { incidentOf: () => 'inc-1', act: async () => ({ ok: true, message: '' }), statusLine: () => '' },
      emit: (e) => emitted.push(e),
      redact: (t) => t,
      offerRetryMs: [20],
    });
    try {
      b.start();
      b.onEvent({ type: 'incident.escalated', time: Date.now(), severity: 'critical', service: 'gw', incidentId: 'inc-1', message: 'gw needs a human' });
      // The poll's getUpdates and the buttons' sendMessage both met the redirect.
      await waitFor(() => redirected >= 2 || undefined, { timeoutMs: 10_000 });
      await sleep(300);
      expect(seen).toEqual([]);
      // Not delivered, so said: the buttons' notice comes after the bounded tries.
      await waitFor(() => emitted[0], { timeoutMs: 10_000 });
    } finally {
      await b.stop();
      await new Promise<void>((r) => api.close(() => r()));
      await new Promise<void>((r) => elsewhere.close(() => r()));
    }
  });
});

describe('a refused poll', () => {
  it('getUpdates answered ok:false (409: another poller holds the bot) is retried with the growing delay, not at once', async () => {
    let polls = 0;
    const api = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        polls++;
        res.writeHead(409, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: false, error_code: 409, description: 'Conflict: terminated by other getUpdates request' }));
      });
    });
    await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
    const b = new TelegramCommands({
      apiBase: `http://127.0.0.1:${(api.address() as AddressInfo).port}`,
      botToken: '123456:TEST-token',
      chatId: '100',
      allow: [42],
      pollTimeoutMs: 1000,
      clock: systemClock(),
      actions: { incidentOf: () => null, act: async () => ({ ok: true, message: '' }), statusLine: () => '' },
      emit: () => undefined,
      redact: (t) => t,
    });
    try {
      const started = performance.now();
      b.start();
      // Watched for 2.5 s at least, and until the second poll (a starved event loop can take longer to make two).
      await sleep(2500);
      await waitFor(() => polls >= 2, { timeoutMs: 20_000, message: 'a second getUpdates' });
      const seen = polls;
      // At 0 s, 1 s, 3 s, 7 s ... with the 1 s doubling delay (2 in 2.5 s); without it, one after another (over a
      // hundred here). The bound is for the time measured, so a slow machine is not held to 2.5 s.
      const elapsedMs = performance.now() - started;
      let most = 1;
      for (let waited = 0; (waited += Math.min(30_000, 1000 * 2 ** (most - 1))) <= elapsedMs; ) most++;
      expect(seen).toBeLessThanOrEqual(most + 1);
    } finally {
      await b.stop();
      api.closeAllConnections();
      await new Promise<void>((r) => api.close(() => r()));
    }
  });
});

describe('chat commands', () => {
  it('parses commands with and without the bot name', () => {
    expect(parseCommand('/resume gw')).toEqual({ action: 'resume', arg: 'gw' });
    expect(parseCommand('/approve@clawback_bot inc-1')).toEqual({ action: 'approve', arg: 'inc-1' });
    expect(parseCommand('/rm -rf')).toBeUndefined();
    expect(parseCommand('hello')).toBeUndefined();
    expect(parseCommand('/maintenance gw 2h')).toEqual({ action: 'maintenance', arg: 'gw', extra: '2h' });
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
    // The answer goes out right after the refusal is journaled.
    await waitFor(() => a.calls.some((c) => c.method === 'answerCallbackQuery' && c.body.text === 'This button was used already or has expired.'), { timeoutMs: 10_000 });
    // The bot token never reaches the journal.
    expect(JSON.stringify(t.journal())).not.toContain('TEST-token');
  });
});

describe('chat: buttons across a daemon restart', () => {
  it('an incident still waiting for a person when the daemon restarts gets buttons that work; the old ones answer expired', async () => {
    api = await botApi();
    const a = api;
    const dir = tempDir();
    const port = await freePort();
    const cfg = path.join(dir, 'gateway.json');
    writeFileSync(cfg, JSON.stringify({ name: 'demo-gateway', host: '127.0.0.1', port: 'oops' }));
    const config = {
      notify: { channels: [{ type: 'telegram', botToken: '123456:TEST-token', chatId: '100', apiBase: a.url, commands: { allow: [42], pollTimeout: '1s' } }] },
      services: [{ name: 'gw', command: [NODE, DEMO_GATEWAY_SERVER, '--config', cfg, '--port', String(port)], probes: [{ kind: 'http', url: `http://127.0.0.1:${port}/health`, interval: '300ms' }] }],
    };
    td = await startTestDaemon(config, { dir });
    const keyboard = (c: Call) => (c.body.reply_markup as { inline_keyboard: Array<Array<{ text: string; callback_data: string }>> }).inline_keyboard[0]!;
    const first = await waitFor(() => a.calls.find((c) => c.method === 'sendMessage' && c.body.reply_markup), { timeoutMs: 30_000 });
    const oldResume = keyboard(first).find((b) => b.text === 'Resume')!.callback_data;
    await td.daemon.stop({ stopServices: false });
    const before = a.calls.length;

    td = await startTestDaemon(config, { dir });
    const t = td;
    expect(t.daemon.runtimes.get('gw')!.status().incident?.status).toBe('waiting-human');
    const again = await waitFor(() => a.calls.slice(before).find((c) => c.method === 'sendMessage' && c.body.reply_markup), { timeoutMs: 15_000 });
    expect(String(again.body.text)).toContain('still waiting (Clawback restarted');
    const message = { message_id: 9, chat: { id: 100 }, text: String(again.body.text) };
    a.push({ callback_query: { id: 'old', from: { id: 42, username: 'ann' }, data: oldResume, message } });
    await waitFor(() => a.calls.some((c) => c.method === 'answerCallbackQuery' && c.body.callback_query_id === 'old' && c.body.text === 'This button was used already or has expired.'), { timeoutMs: 10_000 });
    writeFileSync(cfg, JSON.stringify({ name: 'demo-gateway', host: '127.0.0.1', port: 0 }));
    a.push({ callback_query: { id: 'new', from: { id: 42, username: 'ann' }, data: keyboard(again).find((b) => b.text === 'Resume')!.callback_data, message } });
    await waitFor(() => t.events.some((e) => e.type === 'incident.resolved'), { timeoutMs: 30_000 });
  });
});

describe('chat: approval and own incident', () => {
  it('approval buttons: another user cannot approve; an allowed press lets the agent run and the message says who approved', async () => {
    api = await botApi();
    ({ td, standIn } = await brokenGatewayNeedingApproval({ approvalTimeout: '2m', verifyWindow: '1s' }, { notify: { channels: [telegram(api.url)] } }));
    const t = td;
    const a = api;
    const s = standIn;
    const offer = await waitFor(() => a.calls.find((c) => c.method === 'sendMessage' && (c.body.reply_markup as Keyboard | undefined)?.inline_keyboard[0]?.some((b) => b.text === 'Approve the agent')), { timeoutMs: 30_000 });
    expect(String(offer.body.text)).toContain('approve the Level 3 agent run?');
    const approve = (offer.body.reply_markup as Keyboard).inline_keyboard[0]!.find((b) => b.text === 'Approve the agent')!.callback_data;
    const message = { message_id: 11, chat: { id: 100 }, text: String(offer.body.text) };

    a.push({ callback_query: { id: 'a1', from: { id: 7, username: 'eve' }, data: approve, message } });
    await waitFor(() => t.events.some((e) => e.details?.action === 'chat-refused'), { timeoutMs: 10_000 });
    await sleep(1000);
    expect(s.requests).toHaveLength(0);
    expect(t.daemon.runtimes.get('gw')!.status().work?.kind).toBe('approval');

    a.push({ callback_query: { id: 'a2', from: { id: 42, username: 'ann' }, data: approve, message } });
    await waitFor(() => t.events.some((e) => e.type === 'agent.started'), { timeoutMs: 20_000 });
    expect(t.events.find((e) => e.details?.action === 'approved')?.details?.by).toBe('telegram:@ann');
    const edit = await waitFor(() => a.calls.find((c) => c.method === 'editMessageText' && c.body.message_id === 11), { timeoutMs: 10_000 });
    expect(String(edit.body.text)).toMatch(/agent approved by @ann at \d\d:\d\d UTC/);
    await waitFor(() => s.requests.length > 0, { timeoutMs: 20_000 });
  });

  it("a button acts only on its own incident: once that incident is closed, pressing it does nothing", async () => {
    api = await botApi();
    const dir = tempDir();
    const port = await freePort();
    const cfg = path.join(dir, 'gateway.json');
    writeFileSync(cfg, JSON.stringify({ name: 'demo-gateway', host: '127.0.0.1', port: 'oops' }));
    td = await startTestDaemon(
      {
        notify: { channels: [telegram(api.url)] },
        services: [{ name: 'gw', command: [NODE, DEMO_GATEWAY_SERVER, '--config', cfg, '--port', String(port)], probes: [{ kind: 'http', url: `http://127.0.0.1:${port}/health`, interval: '300ms' }] }],
      },
      { dir },
    );
    const t = td;
    const a = api;
    const offer = await waitFor(() => a.calls.find((c) => c.method === 'sendMessage' && c.body.reply_markup), { timeoutMs: 30_000 });
    const restart = (offer.body.reply_markup as Keyboard).inline_keyboard[0]!.find((b) => b.text === 'Restart')!.callback_data;
    // The incident is closed another way (the CLI's resume), then the old button is pressed.
    writeFileSync(cfg, JSON.stringify({ name: 'demo-gateway', host: '127.0.0.1', port: 0 }));
    const rt = t.daemon.runtimes.get('gw')!;
    await rt.request('resume', 'human');
    await waitFor(() => t.events.some((e) => e.type === 'incident.resolved'), { timeoutMs: 30_000 });
    const pid = rt.status().pid;
    const startsBefore = t.events.filter((e) => e.type === 'service.started').length;
    a.push({ callback_query: { id: 'o1', from: { id: 42, username: 'ann' }, data: restart, message: { message_id: 12, chat: { id: 100 }, text: String(offer.body.text) } } });
    const refused = await waitFor(() => t.events.find((e) => e.details?.action === 'chat-refused'), { timeoutMs: 10_000 });
    expect(refused.message).toContain('no longer open');
    await sleep(1500);
    expect(rt.status().pid).toBe(pid);
    expect(t.events.filter((e) => e.type === 'service.started').length).toBe(startsBefore);
    await waitFor(() => a.calls.some((c) => c.method === 'answerCallbackQuery' && c.body.text === 'That incident is closed.'), { timeoutMs: 10_000 });
  });
});

describe('chat: commands', () => {
  it('an allowed command acts and is answered; an old (re-served) command, a stranger and a bad duration do nothing', async () => {
    api = await botApi();
    td = await startTestDaemon({ notify: { channels: [telegram(api.url)] }, services: [{ name: 'steady', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] });
    const t = td;
    const a = api;
    const rt = t.daemon.runtimes.get('steady')!;
    await waitFor(() => rt.status().pid, { timeoutMs: 15_000 });
    const pid = rt.status().pid;
    const now = (): number => Math.floor(Date.now() / 1000);

    // Sent 10 minutes ago (Telegram re-serves unconfirmed updates after a daemon restart): not carried out.
    a.push({ message: { message_id: 1, date: now() - 600, chat: { id: 100 }, from: { id: 42, username: 'ann' }, text: '/restart steady' } });
    const old = await waitFor(() => t.events.find((e) => e.details?.action === 'chat-refused'), { timeoutMs: 10_000 });
    expect(old.message).toContain('too old');
    // A stranger in the same chat.
    a.push({ message: { message_id: 2, date: now(), chat: { id: 100 }, from: { id: 7, username: 'eve' }, text: '/maintenance steady 2h' } });
    await waitFor(() => t.events.filter((e) => e.details?.action === 'chat-refused').length >= 2, { timeoutMs: 10_000 });
    // A duration without its unit.
    a.push({ message: { message_id: 3, date: now(), chat: { id: 100 }, from: { id: 42, username: 'ann' }, text: '/maintenance steady 30' } });
    await waitFor(() => a.calls.some((c) => c.method === 'sendMessage' && c.body.reply_to_message_id === 3), { timeoutMs: 10_000 });
    expect(String(a.calls.find((c) => c.body.reply_to_message_id === 3)!.body.text)).toContain('usage: /maintenance');
    await sleep(500);
    expect(rt.status().pid).toBe(pid);
    expect(rt.status().maintenance).toBeNull();

    // The allowed user, now: maintenance for the duration named, answered in the chat, journaled with who.
    a.push({ message: { message_id: 4, date: now(), chat: { id: 100 }, from: { id: 42, username: 'ann' }, text: '/maintenance steady 2h' } });
    await waitFor(() => rt.status().maintenance, { timeoutMs: 10_000 });
    expect(rt.status().maintenance!.by).toBe('telegram:@ann');
    expect(rt.status().maintenance!.timeLeftMs).toBeGreaterThan(110 * 60_000);
    const reply = await waitFor(() => a.calls.find((c) => c.method === 'sendMessage' && c.body.reply_to_message_id === 4), { timeoutMs: 10_000 });
    expect(String(reply.body.text)).toContain('maintenance on until');
    expect(t.events.find((e) => e.details?.action === 'chat-command')?.details?.by).toBe('telegram:@ann');
    // /status shows it with the time left.
    a.push({ message: { message_id: 5, date: now(), chat: { id: 100 }, from: { id: 42, username: 'ann' }, text: '/status' } });
    const status = await waitFor(() => a.calls.find((c) => c.method === 'sendMessage' && c.body.reply_to_message_id === 5), { timeoutMs: 10_000 });
    expect(String(status.body.text)).toMatch(/steady: .*maintenance by telegram:@ann \(.+ left\)/);
  });
  it('/reset NAME sets RESTARTS back to 0 through the reducer, naming the sender; a reset of nothing says so and journals nothing', async () => {
    api = await botApi();
    td = await startTestDaemon({ notify: { channels: [telegram(api.url)] }, services: [{ name: 'steady', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] });
    const t = td;
    const a = api;
    const rt = t.daemon.runtimes.get('steady')!;
    await waitFor(() => rt.status().pid, { timeoutMs: 15_000 });
    const first = rt.status().pid;
    await rt.request('restart', 'human');
    await waitFor(() => rt.status().pid !== null && rt.status().pid !== first && rt.status().restarts === 1, { timeoutMs: 15_000, message: 'steady restarted once' });
    const pid = rt.status().pid;
    const now = (): number => Math.floor(Date.now() / 1000);
    const replyTo = (id: number) => waitFor(() => a.calls.find((c) => c.method === 'sendMessage' && c.body.reply_to_message_id === id), { timeoutMs: 10_000 });

    a.push({ message: { message_id: 1, date: now(), chat: { id: 100 }, from: { id: 42, username: 'ann' }, text: '/reset steady' } });
    expect(String((await replyTo(1)).body.text)).toContain('reset steady: restarts 1 -> 0');
    expect(rt.status().restarts).toBe(0);
    expect(rt.status().pid).toBe(pid);
    const resets = t.journal().filter((e) => e.type === 'service.reset');
    expect(resets).toHaveLength(1);
    expect(resets[0]!.details?.by).toBe('telegram:@ann');

    // Again, with nothing counted: said so, no second `service.reset` 0 -> 0 in the journal.
    a.push({ message: { message_id: 2, date: now(), chat: { id: 100 }, from: { id: 42, username: 'ann' }, text: '/reset steady' } });
    const nothing = String((await replyTo(2)).body.text);
    expect(nothing).toContain('nothing to reset');
    expect(nothing).not.toContain('0 -> 0');
    expect(t.journal().filter((e) => e.type === 'service.reset')).toHaveLength(1);
    // /help names it.
    a.push({ message: { message_id: 3, date: now(), chat: { id: 100 }, from: { id: 42, username: 'ann' }, text: '/help' } });
    expect(String((await replyTo(3)).body.text)).toContain('/reset NAME');
  });
  it('a command carried out before a daemon restart is not carried out again when Telegram re-serves it', async () => {
    api = await botApi();
    const a = api;
    const config = { notify: { channels: [telegram(a.url)] }, services: [{ name: 'steady', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] };
    td = await startTestDaemon(config);
    const dir = td.dir;
    let rt = td.daemon.runtimes.get('steady')!;
    await waitFor(() => rt.status().pid, { timeoutMs: 15_000 });
    const first = rt.status().pid;
    const now = (): number => Math.floor(Date.now() / 1000);
    a.push({ message: { message_id: 1, date: now(), chat: { id: 100 }, from: { id: 42, username: 'ann' }, text: '/restart steady' } });
    await waitFor(() => rt.status().pid && rt.status().pid !== first, { timeoutMs: 15_000 });
    await waitFor(() => a.calls.some((c) => c.body.reply_to_message_id === 1), { timeoutMs: 10_000 });
    await sleep(300);
    await td.daemon.stop({ stopServices: false });

    // The stand-in re-serves every update at or above the offset asked for, as Telegram does for unconfirmed ones.
    td = await startTestDaemon(config, { dir });
    const t = td;
    rt = t.daemon.runtimes.get('steady')!;
    await waitFor(() => rt.status().pid, { timeoutMs: 15_000 });
    const adopted = rt.status().pid;
    a.push({ message: { message_id: 2, date: now(), chat: { id: 100 }, from: { id: 42, username: 'ann' }, text: '/status' } });
    await waitFor(() => a.calls.some((c) => c.body.reply_to_message_id === 2), { timeoutMs: 15_000 });
    expect(rt.status().pid).toBe(adopted);
    expect(t.events.filter((e) => e.details?.action === 'chat-command' && /restart/.test(e.message)).length).toBe(0);
    expect(a.calls.filter((c) => c.body.reply_to_message_id === 1).length).toBe(1);
  });
});
