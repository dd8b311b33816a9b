// A Telegram bot token in a request path with no host (`POST /bot<id>:<secret>/sendMessage`, as a proxy or the gateway
// logs it): `bot` sits right before the id, no word boundary, and the token was shown whole.
import { describe, expect, it } from 'vitest';
import { Redactor, REDACTED } from '../../src/observe/redact.js';

const TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';
const REDACTED_LINES = [`POST /bot${TOKEN}/sendMessage`, `GET /file/bot${TOKEN}/photos/x.jpg`, `token ${TOKEN}`, `https://api.telegram.org/bot${TOKEN}/getMe`];
const KEPT_LINES = ['POST /bot/sendMessage 200', 'robot123456789:abc', 'chat 123456789:12 ok'];

describe('a Telegram bot token', () => {
  for (const line of REDACTED_LINES) it(`is redacted: ${line}`, () => {
    const out = new Redactor().redact(line);
    expect(out).not.toContain('AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw');
    expect(out).toContain(REDACTED);
  });
  for (const line of KEPT_LINES) it(`keeps: ${line}`, () => expect(new Redactor().redact(line)).toBe(line));
  it('a 256 KiB line of bot ids is redacted in bounded time', () => {
    const t0 = performance.now();
    new Redactor().redact('/bot12345'.repeat(30_000));
    expect(performance.now() - t0).toBeLessThan(5_000);
  }, 60_000);
});
