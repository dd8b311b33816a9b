// Every length cap on alert text (last log lines, error snippets, chat replies) cuts between code points, after redaction.
import { afterEach, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { lastLogLines } from '../../src/observe/last-log-lines.js';
import { Redactor } from '../../src/observe/redact.js';
import { classifyAnswer } from '../../src/notify/delivery-outcome.js';
import { TelegramCommands } from '../../src/notify/telegram-commands.js';
import { systemClock } from '../../src/platform/clock.js';
import type { ClawbackEvent } from '../../src/observe/events.js';

const LONE_HALF = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

describe('cut by code point', () => {
  it('lastLogLines: a 500-unit cut through an emoji drops it whole', async () => {
    const file = path.join(tempDir(), 'svc.log');
    writeFileSync(file, `${'a'.repeat(499)}😀 tail\n`);
    const [line] = await lastLogLines(file, 1, new Redactor());
    expect(line).toBe(`${'a'.repeat(499)}…`);
    expect(LONE_HALF.test(line!)).toBe(false);
  });

  it('lastLogLines: a secret the 500-unit cut goes through is still redacted (redacted before the cut)', async () => {
    const file = path.join(tempDir(), 'svc.log');
    const key = `sk-ant-api03-${'Q'.repeat(40)}`;
    writeFileSync(file, `${'x'.repeat(480)} key ${key}\n`);
    const [line] = await lastLogLines(file, 1, new Redactor([key]));
    expect(line).not.toContain('sk-ant');
    expect(line).not.toContain('QQ');
    expect(line).toContain('[REDACTED]');
  });

  it('an endpoint error snippet cut at 200 units keeps no half emoji', () => {
    const r = classifyAnswer({ status: 400, body: `${'e'.repeat(199)}😀 more` } as never, Date.now());
    expect(r.kind).toBe('permanent');
    expect(LONE_HALF.test((r as { reason: string }).reason)).toBe(false);
  });
});

describe('chat replies cut by code point', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  it('a /status reply and a button message past the cap arrive without half an emoji', async () => {
    const sends: Array<Record<string, unknown>> = [];
    let served = false;
    const server = http.createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString()));
      req.on('end', () => {
        const ok = (result: unknown): void => void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, result }));
        if (/getUpdates$/.test(req.url ?? '')) {
          if (served) return void setTimeout(() => ok([]), 200);
          served = true;
          return ok([{ update_id: 1, message: { message_id: 9, date: Math.floor(Date.now() / 1000), chat: { id: 100 }, from: { id: 42 }, text: '/status' } }]);
        }
        sends.push(JSON.parse(raw) as Record<string, unknown>);
        ok({ message_id: sends.length });
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const b = new TelegramCommands({
      apiBase: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      botToken: '123456:TEST-token',
      chatId: '100',
      allow: [42],
      pollTimeoutMs: 1000,
      clock: systemClock(),
      actions: { incidentOf: () => 'inc-1', act: async () => ({ ok: true, message: '' }), statusLine: () => `${'s'.repeat(3499)}😀 rest` },
      emit: () => undefined,
      redact: (t) => t,
      offerRetryMs: [],
    });
    close = async () => {
      await b.stop();
      await new Promise<void>((r) => server.close(() => r()));
    };
    b.start();
    const title = 'gw needs a human\nincident inc-1\n';
    const escalation: ClawbackEvent = { type: 'incident.escalated', time: Date.now(), severity: 'critical', service: 'gw', incidentId: 'inc-1', message: `${'m'.repeat(3499 - title.length)}🚀 boom` };
    b.onEvent(escalation);
    await waitFor(() => sends.length >= 2 || undefined, { timeoutMs: 10_000 });
    const texts = sends.map((s) => s.text as string);
    expect(texts.map((t) => t.length).sort()).toEqual([3499, 3499]);
    for (const t of texts) expect(LONE_HALF.test(t)).toBe(false);
  });
});
