// A secret key at a line's end with a mapping under it (`auth:` then `  token: X`): the key patterns' `\s*` crossed the
// line break and took the next line's key as the value, so the API's log tail read `[REDACTED] X`, the token in plain sight.
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Redactor } from '../../src/observe/redact.js';
import { lastLogLines } from '../../src/observe/last-log-lines.js';
import { tempDir } from '../helpers/daemon.js';

const LINES = [
  'config loaded:',
  'gateway:',
  '  auth:',
  '    token: 3f9a8b7c6d5e4f3a2b1c0d9e',
  '  password:',
  '    x: hunter2',
  'auth:',
  '  mode: token',
  'secret:',
  '  api: Zq7rT2mXw9LpA4vB8nC3',
  'port: 18789',
];

describe('a secret key whose value is a mapping on the next lines', () => {
  it('keeps the next line\'s key and redacts its value, in a text, a list of lines and the API log tail', async () => {
    const r = new Redactor();
    const file = path.join(tempDir(), 'svc.log');
    writeFileSync(file, LINES.join('\n') + '\n');
    const tail = await lastLogLines(file, LINES.length, r);
    for (const out of [r.redact(LINES.join('\n')).split('\n'), r.redactDeep(LINES), tail]) {
      expect(out).toHaveLength(LINES.length);
      expect(out.join('\n')).not.toContain('3f9a8b7c6d5e4f3a2b1c0d9e');
      expect(out[3]).toBe('    token: [REDACTED]');
      expect(out[5]).toMatch(/^ {4}x: /);
      expect(out[7]).toBe('  mode: token');
      expect(out[9]).toMatch(/^ {2}api: /);
      expect(out[10]).toBe('port: 18789');
    }
  });
});
