// A webhook or ntfy URL with user info (https://user:pass@host/hook) passes the config, but fetch refuses to build a
// request from it: every alert was retried for ever and none sent. It is sent with an Authorization: Basic header.
import { describe, expect, it } from 'vitest';
import { createNotifier } from '../../src/notify/dispatcher.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import { config, event, logCollector, receiverPerTest } from './helpers.js';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { TelegramCommands } from '../../src/notify/telegram-commands.js';

const PASSWORD = 'p@ss:w0rd-secret'; // '@' and ':' percent-encoded in the URL
const ENCODED = encodeURIComponent(PASSWORD);

describe('URL with user info', () => {
  const ctx = receiverPerTest();

  it('is delivered with Basic auth from the URL, the password in no log line', async () => {
    const withUser = (url: string): string => url.replace('http://', `http://alice:${ENCODED}@`);
    const logs = logCollector();
    const n = createNotifier(
      config([
        { type: 'webhook', url: withUser(`${ctx.receiver.base}/webhook/hook-1`) },
        { type: 'ntfy', server: withUser(`${ctx.receiver.base}/ntfy`), topic: 'clawback-alerts' },
        // A header of its own wins over the URL's user info.
        { type: 'webhook', name: 'own-auth', url: withUser(`${ctx.receiver.base}/webhook/hook-2`), headers: { Authorization: 'Bearer own-header-token-1234' } },
      ]),
      { stateDir: ctx.stateDir, clock: systemClock(), redactor: new Redactor(), log: logs.log, warn: logs.log },
    );
    ctx.notifiers.push(n);
    n.publish(event({ message: 'gateway down' }));
    await n.flush(10_000);

    const basic = `Basic ${Buffer.from(`alice:${PASSWORD}`).toString('base64')}`;
    const hook1 = ctx.receiver.posts('webhook').filter((m) => m.path === '/webhook/hook-1');
    const hook2 = ctx.receiver.posts('webhook').filter((m) => m.path === '/webhook/hook-2');
    const ntfy = ctx.receiver.posts('ntfy');
    // Before the fix: nothing arrived ("Request cannot be constructed from a URL that includes credentials").
    expect(hook1).toHaveLength(1);
    expect(hook1[0]!.headers.authorization).toBe(basic);
    expect(ntfy).toHaveLength(1);
    expect(ntfy[0]!.headers.authorization).toBe(basic);
    expect(hook2).toHaveLength(1);
    expect(hook2[0]!.headers.authorization).toBe('Bearer own-header-token-1234');
    expect(n.stats().delivered).toBe(3);
    const said = logs.lines.join('\n');
    expect(said).not.toContain(PASSWORD);
    expect(said).not.toContain(ENCODED);
  }, 20_000);
});

describe('Telegram commands with an apiBase carrying user info', () => {
  it('polls with Basic auth from the URL (fetch refused to send it at all)', async () => {
    const auth: (string | undefined)[] = [];
    const api = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        auth.push(req.headers.authorization);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, result: [] }));
      });
    });
    await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
    const b = new TelegramCommands({
      apiBase: `http://alice:${ENCODED}@127.0.0.1:${(api.address() as AddressInfo).port}`,
      botToken: '123456:TEST-token',
      chatId: '100',
      allow: [42],
      pollTimeoutMs: 1000,
      clock: systemClock(),
      actions: { incidentOf: () => 'inc-1', act: async () => ({ ok: true, message: '' }), statusLine: () => '' },
      emit: () => undefined,
      redact: (t) => t,
    });
    try {
      b.start();
      const deadline = Date.now() + 10_000;
      while (auth.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      // Before the fix: no request ever reached the server.
      expect(auth[0]).toBe(`Basic ${Buffer.from(`alice:${PASSWORD}`).toString('base64')}`);
    } finally {
      await b.stop();
      await new Promise<void>((r) => api.close(() => r()));
    }
  }, 20_000);
});
