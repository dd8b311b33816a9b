// A config error quotes the value it found. Only a field whose path named a secret (env, url, a `token` key) was masked:
// a token pasted in the wrong place (`command: "xoxb-..."`, a list item, a duration) or a password under a key of a
// misplaced block (`cwd: {password: ...}`) was printed whole by `clawback validate` and by `clawback run` at start,
// straight into a CI log or systemd's journal.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { configProblems } from '../helpers/config-problems.js';
import { runCli } from '../helpers/cli.js';

const OPENAI = 'sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789';
const SLACK = 'xoxb-1234567890-abcdefghijklmnop';
const GITHUB = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789';
const PLAIN = 'hunter2-plain-pw';

const text = [
  'services:',
  '  - name: ok',
  '    command: [node, s.js]',
  `  - ${OPENAI}`,
  '  - name: gamma',
  `    command: "${SLACK}"`,
  '  - name: delta',
  '    command: [node]',
  `    cwd: { password: "${PLAIN}", dir: "/srv/app" }`,
  '  - name: eps',
  '    command: [node]',
  `    probes: [{ kind: process, interval: "${GITHUB}" }]`,
  '  - name: zeta',
  '    command: [node]',
  '    restart: { policy: sometimes }',
  '',
].join('\n');

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('a config error about a value that holds a secret', () => {
  it('names the field and what was expected, never the secret, and still shows a harmless value', () => {
    const out = configProblems(text);
    for (const secret of [OPENAI, SLACK, GITHUB, PLAIN]) expect(out).not.toContain(secret);
    expect(out).toContain('services[1]: expected object, received string (got "[REDACTED]")');
    expect(out).toContain('services[2].command: expected array, received string (got "[REDACTED]")');
    expect(out).toContain('services[3].cwd: expected string, received object (got {"password":"[REDACTED]","dir":"/srv/app"})');
    expect(out).toMatch(/services\[4\]\.probes\[0\]\.interval: expected a duration .*got "\[REDACTED\]"/);
    expect(out).toMatch(/services\[5\]\.restart\.policy: .*expected one of .*\(got "sometimes"\)/);
  });

  it('is not printed by `clawback validate` either', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'clawback-err-secret-'));
    const file = path.join(dir, 'clawback.yaml');
    writeFileSync(file, text);
    const r = await runCli(['validate', '-c', file, '--state-dir', path.join(dir, 'state')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('services[2].command: expected array');
    for (const secret of [OPENAI, SLACK, GITHUB, PLAIN]) expect(r.stderr + r.stdout).not.toContain(secret);
  });
});
