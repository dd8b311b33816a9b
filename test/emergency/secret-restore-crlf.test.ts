// A secret line put back into a CRLF config keeps its `\r`: the file written by a Level 3 agent came back with one LF line.
import { describe, expect, it } from 'vitest';
import { restoreRedactedLines } from '../../src/emergency/secret-restore.js';
import { Redactor } from '../../src/observe/redact.js';

describe('restoreRedactedLines in a CRLF file', () => {
  it('keeps every line ending CRLF, the restored secret line too', () => {
    const r = new Redactor();
    r.addSecretSetting('token', 'tok-crlf-4711');
    const original = '{\r\n  "gateway": {\r\n    "port": 1,\r\n    "token": "tok-crlf-4711",\r\n    "mode": "local"\r\n  }\r\n}\r\n';
    const written = r.redact(original).replace('"port": 1', '"port": 2');
    const out = restoreRedactedLines(written, original, r);
    expect(out).toEqual({ ok: true, restored: 1, text: original.replace('"port": 1', '"port": 2') });
  });

  it('keeps an LF file LF', () => {
    const r = new Redactor();
    r.addSecretSetting('token', 'tok-lf-4711');
    const original = '{\n  "token": "tok-lf-4711",\n  "port": 1\n}\n';
    const out = restoreRedactedLines(r.redact(original).replace('"port": 1', '"port": 2'), original, r);
    expect(out).toEqual({ ok: true, restored: 1, text: original.replace('"port": 1', '"port": 2') });
  });
});
