// A mapping or list under a secret key that starts on one line and goes on on the next (`"token": ["a",` then `"b"]`):
// the structure redactor stopped at the line break and the values on the following lines were shown.
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
  ['"token": ["aaaa1111bbbb",\n "cccc2222dddd"]', '"token": ["[REDACTED]",\n "[REDACTED]"]'],
  ['"password": {"v": "abc",\n "w": "defsecret"}', '"password": {"v": "[REDACTED]",\n "w": "[REDACTED]"}'],
  ['"password": {"v":\n "abcsecret"}', '"password": {"v":\n "[REDACTED]"}'],
  // Deeper, over three lines, then the rest of the line and the next line are no longer the secret's.
  [
    'cfg {"auth": {"password": {"a": {"b": "c1",\n   "d": "e1"}, "f": "g1",\n   "h": "i1"}, "user": "bob"}}\nnext line: shown',
    'cfg {"auth": {"password": {"a": {"b": "[REDACTED]",\n   "d": "[REDACTED]"}, "f": "[REDACTED]",\n   "h": "[REDACTED]"}, "user": "bob"}}\nnext line: shown',
  ],
  // A key that describes the credential and a count under a `...token` key are kept, as redactDeep keeps them.
  ['"password": {"user": "bob",\n "port": 5432, "pin": "1234"}', '"password": {"user": "bob",\n "port": 5432, "pin": "[REDACTED]"}'],
  ['"fencingToken": {"n": 42,\n "v": "abcdefgh12345"}', '"fencingToken": {"n": 42,\n "v": "[REDACTED]"}'],
  ['secret: [a1b2c3d4e5,\n  f6g7h8i9j0]', 'secret: [[REDACTED],\n  [REDACTED]]'],
  // A key at the line's end inside the structure: its value on the next line, then the structure's other values.
  ['"password": {"token":\n "abcdefgh", "x": "defsecret",\n "y": "ghisecret"}', '"password": {"token":\n "[REDACTED]", "x": "[REDACTED]",\n "y": "[REDACTED]"}'],
];

describe('a structure under a secret key left open at a line end', () => {
  it('keeps redacting its values on the next lines until it closes, keys and brackets kept', () => {
    for (const [text, want] of CASES) for (const out of everyWay(text)) expect(out, text).toBe(want);
  });

  it('agrees with redactDeep on the object', () => {
    const red = new Redactor();
    const obj = { password: { user: 'bob', port: 5432, pin: '1234' }, fencingToken: { n: 42, v: 'abcdefgh12345' } };
    const text = JSON.stringify(obj).replace('"user":"bob",', '"user":"bob",\n ').replace('"n":42,', '"n":42,\n ');
    expect(JSON.parse(red.redact(text))).toEqual(red.redactDeep(obj));
  });

  it('ends at the next log line when it never closes (not over-redacted)', () => {
    const text = 'error: token: ["abcd1234efgh",\n2026-12-06 INFO started on port 3000\n{"level":30,"msg":"ok","v":"abc"}';
    for (const out of everyWay(text)) expect(out).toBe('error: token: ["[REDACTED]",\n2026-12-06 INFO started on port 3000\n{"level":30,"msg":"ok","v":"abc"}');
  });

  it('is bounded: an unclosed list is read on for 256 lines at most', () => {
    const lines = ['"token": ["v0-abcdef123456",', ...Array.from({ length: 300 }, (_, i) => `  "v${i + 1}-abcdef123456",`)];
    const out = new Redactor().redact(lines.join('\n')).split('\n');
    expect(out.slice(0, 257).every((l) => l.includes('[REDACTED]'))).toBe(true);
    expect(out[258]).toBe('  "v258-abcdef123456",');
  });

  it('is redacted in the log file written by the real log redactor', () => {
    const file = path.join(tempDir(), 'svc.log');
    const text = CASES.map(([t]) => t).join('\n') + '\n';
    const r = spawnSync(process.execPath, [REDACTOR, file], { input: text, timeout: 30_000 });
    expect(r.status).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(CASES.map(([, w]) => w).join('\n') + '\n');
  });
});
