// A line ending at `Cookie:` or `password:` followed by an ordinary log line: the next line's first word was taken as the
// value (`[REDACTED] server on port 3000`), while a multi-word value indented under the key kept all but its first word.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redactor } from '../../src/observe/redact.js';
import { lastLogLines } from '../../src/observe/last-log-lines.js';
import { tempDir } from '../helpers/daemon.js';

const REDACTOR = fileURLToPath(new URL('../../dist/observe/log-redactor.js', import.meta.url));
const LINES = [
  'Cookie:',
  'starting server on port 3000',
  'Enter password:',
  'ERROR connection refused',
  'token:',
  'server ready',
  'Authorization:',
  'gateway listening',
  'password:',
  '  correct horse battery staple',
  'password:',
  'hunter2',
  'stripeKey:',
  'sk_live_Zq7rT2mXw9LpA4vB8nC3 trailing words',
  'cookie:',
  'sid=cookie-secret-77; theme=dark',
  '"password":',
  '"quoted-secret-1" and more',
  'done',
];
const KEPT = [1, 3, 5, 7, 18];
const GONE = ['correct', 'horse', 'staple', 'hunter2', 'sk_live_Zq7rT2mXw9LpA4vB8nC3', 'cookie-secret-77', 'quoted-secret-1'];

describe('the line after a secret key at a line end', () => {
  it('is kept when it is the next log line, and a value on it is still redacted', async () => {
    const r = new Redactor();
    const file = path.join(tempDir(), 'svc.log');
    writeFileSync(file, LINES.join('\n') + '\n');
    const tail = await lastLogLines(file, LINES.length, r);
    const written = path.join(tempDir(), 'out.log');
    const run = spawnSync(process.execPath, [REDACTOR, written], { input: LINES.join('\n') + '\n', timeout: 30_000 });
    expect(run.status).toBe(0);
    const logFile = readFileSync(written, 'utf8').split('\n').slice(0, LINES.length);
    for (const out of [r.redact(LINES.join('\n')).split('\n'), r.redactDeep(LINES), tail, logFile]) {
      expect(out).toHaveLength(LINES.length);
      for (const i of KEPT) expect(out[i]).toBe(LINES[i]);
      for (const s of GONE) expect(out.join('\n'), s).not.toContain(s);
      expect(out[13]).toBe('[REDACTED] trailing words');
      expect(out[15]).toBe('sid=[REDACTED]; theme=[REDACTED]');
    }
  });
});
