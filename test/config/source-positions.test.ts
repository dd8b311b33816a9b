// A config error named the field path and the value but no line: with a 300-line YAML a person had to hunt for
// `services[7].probes[2].interval`. Every problem found in a file now says FILE:LINE:COL of the value (the unknown
// key itself, or the block that lacks a required field), in `validate`'s text and in its --json.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/errors.js';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'clawback-positions-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Padding so the offending lines sit far down a long file, as in a real one. */
const PADDING = Array.from({ length: 120 }, (_, i) => `# filler line ${i + 1}`).join('\n');

function problemsOf(name: string, text: string): { file: string; message: string; err: ConfigError } {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  try {
    loadConfig({ file, stateDir: path.join(dir, 'state') });
  } catch (err) {
    if (err instanceof ConfigError) return { file, message: err.message, err };
    throw err;
  }
  throw new Error('the config was accepted');
}

describe('config errors say FILE:LINE:COL', () => {
  it('a bad value, an unknown key and a missing field each point at their line', () => {
    const text = `${PADDING}
services:
  - name: web
    command: [node, web.js]
    restart:
      maxRestarts: 3
    probes:
      - type: http
        url: http://127.0.0.1:1/
      - kind: tcp
        port: 1
        interval: 10 parsecs
`;
    const { file, message, err } = problemsOf('long.yaml', text);
    const base = PADDING.split('\n').length + 1; // the line of `services:`
    expect(message).toContain(`services[0].restart: unknown key(s) "maxRestarts"`);
    expect(message).toMatch(new RegExp(`"maxRestarts".*\\(${file.replace(/[.]/g, '\\.')}:${base + 4}:7\\)`));
    expect(message).toMatch(new RegExp(`services\\[0\\]\\.probes\\[0\\]\\.kind: .*\\(.*long\\.yaml:${base + 6}:9\\)`));
    expect(message).toMatch(new RegExp(`services\\[0\\]\\.probes\\[1\\]\\.interval: .*\\(.*long\\.yaml:${base + 10}:19\\)`));
    expect(err.problems.every((p) => p.line !== undefined)).toBe(true);
  });

  it('a value reached through a merge key points at the anchored block it came from', () => {
    const text = `x-defaults: &defaults
  restart: { policy: sometimes }
services:
  - <<: *defaults
    name: web
    command: [node, web.js]
`;
    const { message } = problemsOf('merge.yaml', text);
    expect(message).toMatch(/services\[0\]\.restart\.policy: .*\(.*merge\.yaml:2:22\)/);
  });

  it('a YAML syntax error (a duplicate key) says FILE:LINE:COL too', () => {
    const { message } = problemsOf('dup.yaml', 'services:\n  - name: a\n    command: [x]\n    name: b\n');
    expect(message).toMatch(/\(file\): cannot parse: key "name" appears twice in one mapping \(first at line 2, col 5\).*\(.*dup\.yaml:4:5\)/);
  });

  it('validate --json gives line and col with each problem', async () => {
    const file = path.join(dir, 'cli.yaml');
    writeFileSync(file, 'services:\n  - name: web\n    command: [node, web.js]\n    stop: { grace: soon }\n');
    const r = await runCli(['validate', '-c', file, '--json'], { cwd: dir, timeoutMs: 30_000 });
    expect(r.code).toBe(2);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { problems: Array<{ field: string; line?: number; col?: number }> };
    expect(out.problems.map((p) => [p.field, p.line, p.col])).toEqual([["services[0].stop.grace", 4, 20]]);
    expect(r.stderr).toContain(`(${file}:4:20)`);
  });
});
