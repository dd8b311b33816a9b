// `guardian --once --json` with a daemon.json it cannot read (or naming a config since removed) printed nothing on
// stdout (exit 2, the words on stderr only): a script reading its one JSON line got an empty string. It is the JSON error.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'clawback-guardian-json-error-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('guardian --json when the config its daemon last ran is unknown', () => {
  it('a damaged daemon.json: one JSON error line, invalid-config, exit 2; nothing started', async () => {
    const stateDir = path.join(dir, 'state');
    mkdirSync(stateDir, { recursive: true });
    writeFileSync(path.join(stateDir, 'daemon.json'), 'garbage{');
    const r = await runCli(['guardian', '--once', '--json', '--state-dir', stateDir], { env: { HOME: dir, CLAWBACK_STATE_DIR: '', CLAWBACK_CONFIG: '' }, cwd: dir, timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(2);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const answer = JSON.parse(lines[0]!) as { ok: boolean; error: { kind: string; message: string; exitCode: number } };
    expect(answer).toMatchObject({ ok: false, error: { kind: 'invalid-config', exitCode: 2 } });
    expect(answer.error.message).toContain('daemon.json cannot be read');
    expect(r.stderr).toContain('daemon.json cannot be read');
  }, 60_000);
});
