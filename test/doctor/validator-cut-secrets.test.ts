// A validator's output is cut for the error message before the message is redacted at its sink (doctor's report, the
// journal, status, alerts): a cut through a token must not keep the token's head, which no redaction recognises.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkConfigFile } from '../../src/doctor/config-validity.js';
import { spawnRunner } from '../../src/doctor/command-runner.js';
import { serviceSchema } from '../../src/config/schema.js';
import { Redactor } from '../../src/observe/redact.js';
import { cutSnippet } from '../../src/platform/cut-text.js';

const TOKEN = 'gwtok-9f8e7d6c5b4a39281706';
const dir = mkdtempSync(path.join(os.tmpdir(), 'clawback-validator-cut-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Whether `text` holds 6 or more leading characters of `secret` (what is left of it after a cut). */
function holdsHeadOf(text: string, secret: string): boolean {
  for (let n = secret.length; n >= 6; n--) if (text.includes(secret.slice(0, n))) return true;
  return false;
}

describe('a validator output cut through a secret', () => {
  it('keeps no head of the secret, wherever the cut falls (a real validator, 40 cut positions)', async () => {
    const file = path.join(dir, 'gw.json');
    writeFileSync(file, JSON.stringify({ gateway: { mode: 'lan', auth: { token: TOKEN } } }));
    const redactor = new Redactor();
    redactor.addSecret(TOKEN);
    const runner = spawnRunner();
    const leaks: number[] = [];
    // The padding moves the token across the 600-character cap of the message.
    const pads = Array.from({ length: 40 }, (_, i) => 560 + i);
    const script = path.join(dir, 'validate.cjs');
    writeFileSync(script, `const t = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8')).gateway.auth.token;\nprocess.stderr.write('invalid gateway.mode: ' + 'x'.repeat(Number(process.argv[3])) + ' value "' + t + '" (rotate it)');\nprocess.exit(1);\n`);
    for (const pad of pads) {
      const service = serviceSchema.parse({ name: 'gw', command: ['true'], configFile: { path: file, validateCommand: [process.execPath, script, '{file}', String(pad)] } });
      const c = await checkConfigFile(service, runner);
      expect(c.state).toBe('invalid');
      if (holdsHeadOf(redactor.redact(c.error ?? ''), TOKEN)) leaks.push(pad);
    }
    expect(leaks, `cut positions that left the token's head: ${leaks.join(', ')}`).toEqual([]);
  }, 60_000);

  it('cutSnippet ends before a word the cut went through, and marks the cut', () => {
    expect(cutSnippet('short', 10)).toBe('short');
    expect(cutSnippet('error in "sk-live-abcdef123456"', 20)).toBe('error in "…');
    expect(cutSnippet('one two three', 8)).toBe('one two…');
    expect(cutSnippet('aaaa bbbb', 6).length).toBeLessThanOrEqual(6);
  });
});
