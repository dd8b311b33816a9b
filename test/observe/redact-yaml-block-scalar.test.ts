// A YAML block scalar under a secret key (`password: |`, `token: >-`) holds its value on the more indented lines below:
// the redactor took the `|` as the password and showed the lines below whole, in logs, alerts and the log file.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redactor } from '../../src/observe/redact.js';
import { tempDir } from '../helpers/daemon.js';

const REDACTOR = fileURLToPath(new URL('../../dist/observe/log-redactor.js', import.meta.url));
const TEXT = [
  'gateway:',
  '  password: |',
  '    hunter2-block-secret',
  '',
  '    second-line-of-secret',
  '  port: 18789',
  'token: >-',
  '  folded-token-value-1',
  '  folded-token-value-2',
  'stripeKey: |+ # the vendor key',
  '  Zq7rT2mXw9LpA4vB8nC3dE6f',
  'sessionKey: |',
  '  agent:main:discord:123',
  'description: |',
  '  a plain description line',
  'path: /var/lib/openclaw',
  'secret: >-2 # note',
  '    folded-secret-value',
  'passphrase: |',
  '  pass-phrase-line',
  '',
].join('\n');
const GONE = ['hunter2-block-secret', 'second-line-of-secret', 'folded-token-value-1', 'folded-token-value-2', 'Zq7rT2mXw9LpA4vB8nC3dE6f', 'folded-secret-value', 'pass-phrase-line'];
const KEPT = ['port: 18789', 'agent:main:discord:123', 'a plain description line', 'path: /var/lib/openclaw', 'gateway:',
  // The header lines keep their indicator (`password: |` read `password: [REDACTED]`, the `|` lost).
  '\n  password: |\n', '\ntoken: >-\n', '\nsecret: >-2 # note\n', '\npassphrase: |\n', '\nstripeKey: |+ # the vendor key\n'];

describe('a YAML block scalar under a secret key', () => {
  it('is redacted in one text and in a list of lines, other lines kept', () => {
    const r = new Redactor();
    for (const out of [r.redact(TEXT), r.redactDeep(TEXT.split('\n')).join('\n')]) {
      for (const s of GONE) expect(out, s).not.toContain(s);
      for (const s of KEPT) expect(out, s).toContain(s);
      expect(out.split('\n')).toHaveLength(TEXT.split('\n').length);
    }
  });

  it('is redacted in the log file written by the real log redactor', () => {
    const file = path.join(tempDir(), 'svc.log');
    const r = spawnSync(process.execPath, [REDACTOR, file], { input: TEXT, timeout: 30_000 });
    expect(r.status).toBe(0);
    const out = readFileSync(file, 'utf8');
    for (const s of GONE) expect(out, s).not.toContain(s);
    for (const s of KEPT) expect(out, s).toContain(s);
  });
});
