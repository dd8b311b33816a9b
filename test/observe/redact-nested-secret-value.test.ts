// A mapping or list written under a secret key in plain text (`secret:` then `  api: X`, `password:` then `  x: hunter2`),
// and a Cookie or Authorization header split after its colon: the API's log tail, alerts and AI prompts showed the value.
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Redactor } from '../../src/observe/redact.js';
import { lastLogLines } from '../../src/observe/last-log-lines.js';
import { tempDir } from '../helpers/daemon.js';

const LINES = [
  'secret:',
  '  api: Zq7rT2mXw9LpA4vB8nC3',
  'password:',
  '  x: hunter2',
  '  deeper:',
  '    y: s3cr3t-two',
  '  - listed-secret-9',
  '{',
  '  "password":',
  '    "x": "json-hunter2",',
  '  "auth":',
  '    "token": "tok-3f9a8b7c6d5e4f3a"',
  '}',
  'Authorization:',
  '  Bearer abcdefghijklmnopqrstuv',
  'Cookie:',
  '  theme=dark; sid=cookie-secret-77',
  'Set-Cookie:',
  '  session: set-cookie-secret-5',
  'credentials:',
  '  user: bob',
  '  port: 5432',
  '  enabled: true',
  'server:',
  '  port: 18789',
  '  pid: 4242',
  'Authorization:',
  'X-Request-Id: 7d1f2c3b4a596877',
];
const GONE = ['Zq7rT2mXw9LpA4vB8nC3', 'hunter2', 's3cr3t-two', 'listed-secret-9', 'tok-3f9a8b7c6d5e4f3a', 'abcdefghijklmnopqrstuv', 'cookie-secret-77', 'set-cookie-secret-5'];

describe('a secret key whose value is a mapping, a list or a header value on the next lines', () => {
  it('keeps the keys and redacts the values, in a text, a list of lines and the API log tail', async () => {
    const r = new Redactor();
    const file = path.join(tempDir(), 'svc.log');
    writeFileSync(file, LINES.join('\n') + '\n');
    const tail = await lastLogLines(file, LINES.length, r);
    for (const out of [r.redact(LINES.join('\n')).split('\n'), r.redactDeep(LINES), tail]) {
      expect(out).toHaveLength(LINES.length);
      for (const s of GONE) expect(out.join('\n'), s).not.toContain(s);
      expect(out[1]).toBe('  api: [REDACTED]');
      expect(out[3]).toBe('  x: [REDACTED]');
      expect(out[4]).toBe('  deeper:');
      expect(out[6]).toBe('  - [REDACTED]');
      expect(out[9]).toBe('    "x": "[REDACTED]",');
      expect(out[14]).toBe('  Bearer [REDACTED]');
      expect(out[16]).toBe('  theme=[REDACTED]; sid=[REDACTED]');
      expect(out[18]).toBe('  session: [REDACTED]');
      // Not over-redacted: what describes a credential, the lines after the mapping, a header line that is no value.
      expect(out.slice(20, 26)).toEqual(['  user: bob', '  port: 5432', '  enabled: true', 'server:', '  port: 18789', '  pid: 4242']);
      expect(out[27]).toBe('X-Request-Id: 7d1f2c3b4a596877');
    }
  });
});
