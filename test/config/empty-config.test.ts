// An empty config file (a truncated save, `> clawback.yaml`, only comments) read "(top level): expected object, received
// null (got null)": nothing said the file was empty. Now the file is named as empty, with what it should hold.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configProblems } from '../helpers/config-problems.js';
import { runCli } from '../helpers/cli.js';

const EMPTY = /\(file\): is empty \(nothing but blank lines, comments or null\): expected the settings, at least a `services:` list/;

describe('an empty config file', () => {
  it.each([
    ['no bytes', ''],
    ['blank lines', '\n\n  \n'],
    ['comments only', '# clawback config\n# services: ...\n'],
    ['a YAML null', '~\n'],
    ['a JSON null', 'null'],
  ])('%s: is said to be empty', (_, text) => {
    const msg = configProblems(text);
    expect(msg).toMatch(EMPTY);
    expect(msg).not.toContain('received null');
  });

  it('other wrong shapes keep their own message', () => {
    expect(configProblems('hello\n')).toContain('(top level): expected object, received string (got "hello")');
    expect(configProblems('- a\n')).toContain('(top level): expected object, received array');
  });

  it('`clawback validate` exits 2 with that one line, no stack trace', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'clawback-empty-'));
    const file = path.join(dir, 'clawback.yaml');
    writeFileSync(file, '');
    const r = await runCli(['--config', file, '--state-dir', path.join(dir, 'state'), 'validate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(EMPTY);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
