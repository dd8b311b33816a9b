// Secrets a service prints in another form: a known secret URL-encoded or JSON-escaped, and tokens known only by shape
// (a JWT, a cookie value). Each was printed in clear by logs, alerts, the journal and AI prompts.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Redactor } from '../../src/observe/redact.js';
import { NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';

/** A secret with every character that an encoder rewrites: `/`, `+`, `=`, `"`, `\`, `#`, a space. */
const SECRET = 'Zq9/Lm+Tk=Wr"Pa\\th#Sx 42';
const JWT = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';

describe('a known secret in an encoded form', () => {
  const r = new Redactor([SECRET]);
  it.each([
    ['URL query (encodeURIComponent)', `GET /cb?x=1&api=${encodeURIComponent(SECRET)}`],
    ['URL query, lower-case hex', `GET /cb?api=${encodeURIComponent(SECRET).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase())}`],
    ['form body (URLSearchParams)', `body ${new URLSearchParams({ k: SECRET }).toString()}`],
    ['JSON string', `dump ${JSON.stringify({ note: SECRET })}`],
    ['JSON string with / as \\/', `dump ${JSON.stringify({ note: SECRET }).replace(/\//g, '\\/')}`],
  ])('%s', (_name, line) => {
    const out = r.redact(line);
    expect(out).toContain('[REDACTED]');
    for (const piece of ['Zq9', 'Wr', 'Sx']) expect(out).not.toContain(piece);
  });
  it('learned from the env too', () => {
    const e = new Redactor();
    e.addSecretEnv({ GW_TOKEN: SECRET });
    expect(e.redact(`?t=${encodeURIComponent(SECRET)}`)).toBe('?t=[REDACTED]');
  });
});

describe('tokens known by shape', () => {
  const r = new Redactor();
  it('a JWT anywhere on a line', () => {
    expect(r.redact(`issued ${JWT} to alice`)).toBe('issued [REDACTED] to alice');
  });
  it('every cookie value of a Cookie header, and the value (not the attributes) of a Set-Cookie header', () => {
    expect(r.redact('Cookie: session=8f2b9c1d7e6a5f4b3c2d1e0f; theme=dark')).toBe('Cookie: session=[REDACTED]; theme=[REDACTED]');
    expect(r.redact('< Set-Cookie: sid=Zx81kQp0LmN3vB7yT2wR; Path=/; Max-Age=3600; HttpOnly')).toBe('< Set-Cookie: sid=[REDACTED]; Path=/; Max-Age=3600; HttpOnly');
    expect(r.redact('{"headers":{"cookie":"sid=abc123def456"}}')).toBe('{"headers":{"cookie":"sid=[REDACTED]"}}');
  });
  it('leaves ordinary text alone', () => {
    for (const line of ['cookie: disabled', 'the cookie jar has 3 entries', 'set cookie policy=strict', 'cookieName=sid', 'eyJhbGciOi is a prefix', 'tokenTtl: 3600', 'version 1.2.3-eyJ.eyJ.x']) {
      expect(r.redact(line)).toBe(line);
    }
  });
});

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

describe('through a supervised service (logs.redact)', () => {
  it('its log file holds none of them', async () => {
    const print = [
      `console.log('jwt ' + ${JSON.stringify(JWT)})`,
      "console.log('Cookie: session=8f2b9c1d7e6a5f4b3c2d1e0f')",
      "console.log('GET /cb?api=' + encodeURIComponent(process.env.GW_TOKEN))",
      "console.log('dump ' + JSON.stringify({ note: process.env.GW_TOKEN }))",
      "console.log('the end')",
      'setTimeout(() => process.exit(0), 300)',
    ].join(';');
    td = await startTestDaemon({ services: [{ name: 'enc', command: [NODE, '-e', print], env: { GW_TOKEN: SECRET }, logs: { redact: true }, restart: { policy: 'never' } }] });
    const file = path.join(td.stateDir, 'logs', 'enc.log');
    const log = (): string => {
      try {
        return readFileSync(file, 'utf8');
      } catch {
        return '';
      }
    };
    await waitFor(() => log().includes('the end'), { timeoutMs: 20_000 });
    expect(log()).toBe('jwt [REDACTED]\nCookie: session=[REDACTED]\nGET /cb?api=[REDACTED]\ndump {"note":"[REDACTED]"}\nthe end\n');
  }, 60_000);
});
