// base64 `user:secret` is a credential wherever it is printed, not only after `Authorization: Basic`.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redactor, REDACTED } from '../../src/observe/redact.js';
import { NODE, tempDir } from '../helpers/daemon.js';
import { TEST_CHILD_ENV } from '../helpers/processes.js';

const REDACTOR = fileURLToPath(new URL('../../dist/observe/log-redactor.js', import.meta.url));
const PASSWORD = 'Hunter2Secret99';
const b64 = (s: string): string => Buffer.from(s).toString('base64');
const b64url = (s: string): string => Buffer.from(s).toString('base64url');
const CREDS = b64(`admin:${PASSWORD}`);

describe('base64 credentials', () => {
  it.each([
    [`GET /proxy?creds=${CREDS} 200`, 'GET /proxy?creds=', ' 200'],
    [`upstream login with ${CREDS}`, 'upstream login with ', ''],
    [`url http://h/x/${CREDS}/y`, 'url http://h/x/', '/y'],
    [`state=${b64url('svc-user:pa/ss?w0rd>>')}; next`, 'state=', '; next'],
  ])('are redacted in %s', (line, before, after) => {
    const out = new Redactor().redact(line);
    expect(out).toBe(`${before}${REDACTED}${after}`);
  });

  it('a known secret inside any base64 text is redacted too', () => {
    const r = new Redactor([PASSWORD]);
    expect(r.redact(`config blob ${b64(`{"db":{"password":"${PASSWORD}"}}`)} loaded`)).toBe(`config blob ${REDACTED} loaded`);
  });

  it('leaves ordinary words, hashes, paths, base64 JSON and base64 URLs alone', () => {
    const r = new Redactor([PASSWORD]);
    for (const line of [
      'supervisor restarted gateway after healthcheck timeout',
      'integrity sha512-9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 ok',
      'loaded /usr/local/lib/node_modules/openclaw/dist/index.js',
      `cursor ${b64('{"page":2,"size":50}')}`,
      `redirect ${b64('https://example.com/callback')}`,
    ]) {
      expect(r.redact(line)).toBe(line);
    }
  });

  it('the log redactor of a service (logs.redact) writes no base64 of its password', () => {
    const dir = tempDir();
    const file = path.join(dir, 'svc.log');
    const out = spawnSync(NODE, [REDACTOR, file], {
      input: `GET /proxy?creds=${CREDS} 200\nupstream login with ${CREDS}\n`,
      env: { ...process.env, [TEST_CHILD_ENV]: '1', DB_PASSWORD: PASSWORD },
      timeout: 20_000,
    });
    expect(out.status).toBe(0);
    const log = readFileSync(file, 'utf8');
    expect(log).not.toContain(CREDS);
    expect(log).toBe(`GET /proxy?creds=${REDACTED} 200\nupstream login with ${REDACTED}\n`);
  });
});
