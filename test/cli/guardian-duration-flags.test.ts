// `guardian --help` said `--stale-after <ms>` (default: 15000) where `--for`/`--timeout` take durations: a user wrote
// milliseconds by hand. It takes a duration (`30s`, `2m`) and says so; a plain number is still milliseconds.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'clawback-guardian-durations-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const env = { HOME: dir, CLAWBACK_STATE_DIR: '', CLAWBACK_CONFIG: '' };

describe('guardian --stale-after / --pass-timeout take durations', () => {
  it('--help names a duration and its default as one', async () => {
    const r = await runCli(['guardian', '--help'], { env, cwd: dir });
    expect(r.code).toBe(0);
    const help = r.stdout.replace(/\s+/g, ' ');
    expect(help).toContain('--stale-after <duration>');
    expect(help).toContain('--pass-timeout <duration>');
    expect(help).toContain('(default: 15s)');
    expect(help).toContain('(default: 100s)');
    expect(help).not.toContain('<ms>');
  }, 30_000);

  it('a duration and a plain number of milliseconds are both taken; a word is the JSON usage error', async () => {
    const stateDir = path.join(dir, 'state');
    for (const stale of ['2m', '15000']) {
      const r = await runCli(['guardian', '--once', '--json', '--stale-after', stale, '--pass-timeout', '20s', '--state-dir', stateDir], { env, cwd: dir, timeoutMs: 30_000 });
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout.trim())).toMatchObject({ outcome: 'never-ran' });
    }
    const bad = await runCli(['guardian', '--once', '--json', '--stale-after', 'soon', '--state-dir', stateDir], { env, cwd: dir });
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout.trim())).toMatchObject({ ok: false, error: { kind: 'usage', exitCode: 1 } });
    expect(bad.stderr).toContain('"soon"');
  }, 60_000);
});
