// Secrets that span lines (a private key block, a bearer token printed on the line after its header) stay out of
// the service's redacted log, its last lines in the status API and alerts, and are put back whole by a config write.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { NODE, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { Redactor, REDACTED } from '../../src/observe/redact.js';
import { lastLogLines } from '../../src/observe/last-log-lines.js';
import { restoreRedactedLines } from '../../src/emergency/secret-restore.js';

const BODY = [
  'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj',
  'MzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu',
  'NMoSfm76oqFvAp8Gy0iz5sxjZmSnXyCdPEovGhLa0VzMaQ8s+CLOyS56YyCFGeJZ',
];
const KEY_BLOCK = ['-----BEGIN PRIVATE KEY-----', ...BODY, '-----END PRIVATE KEY-----'];
const BEARER = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjbGF3YmFjayJ9.c2VjcmV0c2lnbmF0dXJl';

function expectNoSecret(text: string): void {
  for (const b of BODY) expect(text).not.toContain(b.slice(0, 24));
  expect(text).not.toContain(BEARER);
}

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

describe('secrets across lines', () => {
  it('a key block and a bearer on the next line are redacted in a text, in a list of lines, and keep the line count', () => {
    const r = new Redactor();
    const lines = ['loading key', ...KEY_BLOCK, 'Authorization: Bearer', BEARER, 'listening on 18789'];
    const text = r.redact(lines.join('\n'));
    expectNoSecret(text);
    expect(text.split('\n')).toHaveLength(lines.length);
    expect(text).toContain('-----BEGIN PRIVATE KEY-----');
    expect(text).toContain('listening on 18789');
    const list = r.redactDeep({ lastLines: lines }).lastLines;
    expectNoSecret(list.join('\n'));
    expect(list).toHaveLength(lines.length);
    // A block on one line (a JSON string with \n escapes) loses its body; what follows a block is left alone.
    const oneLine = r.redact(`{"tls":"-----BEGIN RSA PRIVATE KEY-----\\n${BODY[0]}\\n-----END RSA PRIVATE KEY-----\\n"}`);
    expectNoSecret(oneLine);
    expect(r.redact(['-----BEGIN EC PRIVATE KEY-----', BODY[0]!, '-----END EC PRIVATE KEY-----', 'ready'].join('\n')).split('\n')[3]).toBe('ready');
  });

  it('the last lines of a log are redacted with the lines before them, so a key block whose BEGIN is further up is found', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'svc.log');
    writeFileSync(file, ['start', ...KEY_BLOCK, 'exiting'].join('\n') + '\n');
    const last = await lastLogLines(file, 3, new Redactor());
    expect(last).toHaveLength(3);
    expectNoSecret(last.join('\n'));
    expect(last[2]).toBe('exiting');
  });

  it('a config whose key block read_config showed redacted is written back with every body line in its place', () => {
    const original = ['tls:', '  key: |', ...KEY_BLOCK.map((l) => `    ${l}`), 'a:', '  token: "first-secret-value"', 'b:', '  token: "second-secret-value"', ''].join('\n');
    const r = new Redactor();
    const shown = r.redact(original);
    expect(shown).not.toContain(BODY[1]);
    const edited = shown.replace('a:', 'a:\n  port: 18789');
    const back = restoreRedactedLines(edited, original, r);
    expect(back).toMatchObject({ ok: true });
    expect(back.ok && back.text).toBe(original.replace('a:', 'a:\n  port: 18789'));
  });

  it('a real daemon: the redacted log file and the status API (last lines of a log written as is) carry neither the key body nor the split bearer', async () => {
    const print = [...KEY_BLOCK, 'Authorization: Bearer', BEARER, 'bye'].map((l) => `console.log(${JSON.stringify(l)});`).join('') + 'setTimeout(() => process.exit(3), 200)';
    td = await startTestDaemon({
      services: [
        { name: 'keyprint', command: [NODE, '-e', print], logs: { redact: true }, restart: { policy: 'never' } },
        // Its log file as written: the status API's last lines are redacted on the way out.
        { name: 'keyplain', command: [NODE, '-e', print], restart: { policy: 'never' } },
      ],
    });
    const t = td;
    const logFile = path.join(t.stateDir, 'logs', 'keyprint.log');
    const log = (): string => {
      try {
        return readFileSync(logFile, 'utf8');
      } catch {
        return '';
      }
    };
    await waitFor(() => log().includes('bye'), { timeoutMs: 20_000 });
    expectNoSecret(log());
    expect(log()).toContain(`-----BEGIN PRIVATE KEY-----\n${REDACTED}\n`);
    const port = (): number | undefined => {
      try {
        return (JSON.parse(readFileSync(path.join(t.stateDir, 'daemon.json'), 'utf8')) as { api?: { port?: number } }).api?.port;
      } catch {
        return undefined;
      }
    };
    await waitFor(() => port() !== undefined, { timeoutMs: 20_000 });
    let status = '';
    await waitFor(
      async () => {
        status = await (await fetch(`http://127.0.0.1:${port()}/api/status`)).text();
        return (status.match(/bye/g) ?? []).length >= 2;
      },
      { timeoutMs: 20_000 },
    );
    expectNoSecret(status);
  });
});

describe('a key block whose BEGIN line is cut off (the last N lines start inside it)', () => {
  const body = ['MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKA', 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKB'];
  const r = new Redactor();
  it('its body lines before the END line are redacted, in a list of lines and in one text (they were shown)', () => {
    const lines = ['starting', ...body, '-----END PRIVATE KEY-----', 'ok'];
    expect(r.redactDeep(lines)).toEqual(['starting', REDACTED, REDACTED, '-----END PRIVATE KEY-----', 'ok']);
    expect(r.redact(`${body.join('\n')}\n-----END RSA PRIVATE KEY-----\nok\n`)).toBe(`${REDACTED}\n${REDACTED}\n-----END RSA PRIVATE KEY-----\nok\n`);
  });
  it('a whole block, or text with no END line, is as before', () => {
    expect(r.redact(`a line\n-----BEGIN PRIVATE KEY-----\n${body[0]}\n-----END PRIVATE KEY-----\nok`)).toBe(`a line\n-----BEGIN PRIVATE KEY-----\n${REDACTED}\n-----END PRIVATE KEY-----\nok`);
    expect(r.redact('one\ntwo words here\nthree')).toBe('one\ntwo words here\nthree');
  });
});
