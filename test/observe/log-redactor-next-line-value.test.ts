// Pretty-printed JSON puts `"password":` at a line's end and the value on the next line: the log redactor, line by line,
// wrote the password into the service's log file (logs.redact: true).
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redactor, REDACTED } from '../../src/observe/redact.js';
import { tempDir } from '../helpers/daemon.js';

const REDACTOR = fileURLToPath(new URL('../../dist/observe/log-redactor.js', import.meta.url));
const TEXT = ['{', '  "user": "bob",', '  "password":', '    "hunter2-secret",', '  "stripeKey":', '  "Zq7rT2mXw9LpA4vB8nC3dE6f",', '  "sessionKey":', '  "agent:main:x",', '  "token":', '  null', '}', 'credentials:', '  user: bob', 'password:', '  s3cret!', ''].join('\n');

/** [secret gone, text kept] */
const GONE = ['hunter2-secret', 'Zq7rT2mXw9LpA4vB8nC3dE6f', 's3cret!'];
const KEPT = ['"user": "bob"', '"agent:main:x"', '  null', '  user: bob'];

describe('a value on the line after its key', () => {
  it('is redacted in the log file written by the real log redactor', () => {
    const file = path.join(tempDir(), 'svc.log');
    const r = spawnSync(process.execPath, [REDACTOR, file], { input: TEXT, timeout: 30_000 });
    expect(r.status).toBe(0);
    const out = readFileSync(file, 'utf8');
    for (const s of GONE) expect(out, s).not.toContain(s);
    for (const s of KEPT) expect(out, s).toContain(s);
    expect(out.split('\n')).toHaveLength(TEXT.split('\n').length);
  });

  it('in a multi-line text and a list of lines', () => {
    const r = new Redactor();
    const one = r.redact(TEXT);
    const list = r.redactDeep(TEXT.split('\n')).join('\n');
    for (const out of [one, list]) {
      for (const s of GONE) expect(out, s).not.toContain(s);
      for (const s of KEPT) expect(out, s).toContain(s);
      expect(out).toContain(`"${REDACTED}"`);
    }
  });

  it('a 256 KiB line after a key at a line end is redacted in bounded time', () => {
    for (const unit of ['abcd', 'ab: ', '"ab"']) {
      const line = unit.repeat(64 * 1024);
      const t0 = performance.now();
      new Redactor().redactDeep(['password:', line, 'stripeKey:', line]);
      expect(performance.now() - t0, unit).toBeLessThan(5_000);
    }
  }, 120_000);
});
