// Leftovers of the redactor: a quoted value running across lines inside a structure under a secret key (the values after
// it were shown), `name` under a secret key taken as describing it (`"password": {"name": "hunter2"}` showed hunter2),
// a nameless cookie (`cookie=abcdef`) shown, and a template reference (`{{ vault_pw }}`, `${API_TOKEN}`) mangled.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redactor, crossLineRedaction } from '../../src/observe/redact.js';
import { tempDir } from '../helpers/daemon.js';

const REDACTOR = fileURLToPath(new URL('../../dist/observe/log-redactor.js', import.meta.url));

/** The text given whole (alerts, status), line by line as the log redactor does, and as a list of lines (redactDeep). */
function everyWay(text: string): string[] {
  const r = new Redactor();
  const line = crossLineRedaction();
  return [r.redact(text), text.split('\n').map((l) => r.redact(line(l))).join('\n'), r.redactDeep(text.split('\n')).join('\n')];
}

const CASES: [string, string][] = [
  // A quoted value across lines: its pieces and every value after it redacted, keys kept.
  ['{"token": {"v": "abc\ndef", "x": "SECRETLATER"}}', '{"token": {"v": "[REDACTED]\n[REDACTED]", "x": "[REDACTED]"}}'],
  ['{"token": ["abc\nzzz", "SECRETLATER"]}', '{"token": ["[REDACTED]\n[REDACTED]", "[REDACTED]"]}'],
  ['password: {v: "line one\n    line two\n  end", w: hunter2}', 'password: {v: "[REDACTED]\n[REDACTED]\n[REDACTED]", w: [REDACTED]}'],
  // What describes the credential stays across lines too.
  ['"password": {"host": "db\nmain", "pin": "1234"}', '"password": {"host": "db\nmain", "pin": "[REDACTED]"}'],
  // `name` under a secret key is the secret.
  ['{"password": {"name": "hunter2"}}', '{"password": {"name": "[REDACTED]"}}'],
  ['password: {name: hunter2, host: db}', 'password: {name: [REDACTED], host: db}'],
  // A cookie with no name.
  ['cookie=abcdef', 'cookie=[REDACTED]'],
  ['Cookie: abcdef; lang=en', 'Cookie: [REDACTED]; lang=[REDACTED]'],
  ['Cookie: a=b; c=d', 'Cookie: a=[REDACTED]; c=[REDACTED]'],
  ['Set-Cookie: sid=xyz123; Path=/; Secure; HttpOnly', 'Set-Cookie: sid=[REDACTED]; Path=/; Secure; HttpOnly'],
];

/** Normal text that must come out as it went in. */
const KEPT = [
  'password: {{ vault_pw }}',
  'config password: {{ vault_pw }} loaded',
  'secret: {{ .Values.db.password }}',
  'token: ${API_TOKEN}',
  'password=${DB_PASS} from the environment',
  'cookie: none',
  'cookie=disabled',
  'cookies: 3 loaded',
  'Set-Cookie: Secure; HttpOnly',
  'user: {name: bob, host: db}',
  '{"service": {"name": "web", "port": 8080}}',
  '2026-12-06 INFO started on port 3000',
];

describe('redactor leftovers', () => {
  it('redacts every way: whole text, line by line, a list of lines', () => {
    for (const [text, want] of CASES) for (const out of everyWay(text)) expect(out, text).toBe(want);
  });

  it('keeps normal text and template references as written', () => {
    for (const text of KEPT) for (const out of everyWay(text)) expect(out, text).toBe(text);
  });

  it('still redacts a template with a literal in it', () => {
    const r = new Redactor();
    expect(r.redact('password: ${DB_PASS:-hunter2}')).not.toContain('hunter2');
    expect(r.redact("password: {{ pw | default('hunter2') }}")).not.toContain('hunter2');
  });

  it('ends a quoted value left open at the next log line that has no quote (not over-redacted)', () => {
    const text = 'token: {v: "abc\n2026-12-06 INFO started on port 3000\nnext line';
    for (const out of everyWay(text)) expect(out).toBe('token: {v: "[REDACTED]\n2026-12-06 INFO started on port 3000\nnext line');
  });

  it('redacts `name` under a secret key in an object as in text', () => {
    const r = new Redactor();
    expect(r.redactDeep({ password: { name: 'hunter2', user: 'bob', port: 5432 }, service: { name: 'web' } })).toEqual({
      password: { name: '[REDACTED]', user: 'bob', port: 5432 },
      service: { name: 'web' },
    });
  });

  it('is redacted in the log file written by the real log redactor', () => {
    const file = path.join(tempDir(), 'svc.log');
    const text = [...CASES.map(([t]) => t), ...KEPT].join('\n') + '\n';
    const r = spawnSync(process.execPath, [REDACTOR, file], { input: text, timeout: 60_000 });
    expect(r.status).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe([...CASES.map(([, w]) => w), ...KEPT].join('\n') + '\n');
  });
});
