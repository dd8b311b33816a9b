// A discriminated union's tag written under another key (`kind: discord` for `type: discord` in a notify channel,
// `type: http` for a probe's `kind`) was said as "type: Invalid discriminator value. Expected 'discord' | ...": no word
// that the tag is missing, nor that `kind` is a key no channel has. The tag is said missing and the key named.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configProblems } from '../helpers/config-problems.js';
import { runCli } from '../helpers/cli.js';

const svc = (extra = ''): string => `services:\n  - name: a\n    command: [sleep, "1"]\n${extra}`;

describe('a missing union tag', () => {
  it('names the key that holds its value as the unknown key, for channels and probes', () => {
    const channel = configProblems(`${svc()}notify:\n  channels:\n    - kind: discord\n      url: http://127.0.0.1:9/x\n`);
    expect(channel).toContain(`notify.channels[0].type: missing: "type" says which kind this is; expected 'discord' | 'slack'`);
    expect(channel).toContain('unknown key "kind" (did you mean "type"?)');
    expect(configProblems(svc('    probes: [{type: http, url: "http://127.0.0.1:9/"}]\n'))).toContain('unknown key "type" (did you mean "kind"?)');
    // A key a few edits from the tag is named too, whatever its value.
    expect(configProblems(`${svc()}notify: {channels: [{typ: slak, url: "http://127.0.0.1:9/x"}]}\n`)).toContain('unknown key "typ" (did you mean "type"?)');
  });

  it('never calls a key the channel allows unknown (`name: discord` with no type)', () => {
    const msg = configProblems(`${svc()}notify: {channels: [{name: discord, url: "http://127.0.0.1:9/x"}]}\n`);
    expect(msg).toContain('notify.channels[0].type: missing');
    expect(msg).not.toContain('unknown key');
  });

  it('is said by `clawback validate --json` with the expected values kept apart (exit 2)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'clawback-tag-'));
    const file = path.join(dir, 'clawback.yaml');
    writeFileSync(file, `${svc()}notify:\n  channels:\n    - kind: slack\n      url: http://127.0.0.1:9/x\n`);
    const r = await runCli(['--config', file, '--state-dir', path.join(dir, 'state'), 'validate', '--json']);
    expect(r.code).toBe(2);
    const problem = JSON.parse(r.stdout).problems[0];
    expect(problem.field).toBe('notify.channels[0].type');
    expect(problem.message).toContain('unknown key "kind" (did you mean "type"?)');
    expect(problem.expected).toBe("'discord' | 'slack' | 'telegram' | 'webhook' | 'ntfy'");
  });
});
