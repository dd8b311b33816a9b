// `clawback init --preset generic --name "my svc"` answered "invalid config /cwd/clawback.yaml: services[0].name: ..."
// about a file it had not written (a dry run writes none), and `--command "   "` read "Too small: expected array to
// have >=1 items". A generic service is made of flags: each bad value is said of the flag the user typed.
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

async function init(...flags: string[]) {
  const cwd = mkdtempSync(path.join(os.tmpdir(), 'clawback-init-flags-'));
  const r = await runCli(['init', '--preset', 'generic', ...flags], { cwd, env: { HOME: cwd, CLAWBACK_CONFIG: '', CLAWBACK_STATE_DIR: '' } });
  return { ...r, written: existsSync(path.join(cwd, 'clawback.yaml')) };
}

describe('clawback init --preset generic with a bad flag value', () => {
  it('names the flag, the value and what was expected; exit 2, nothing written', async () => {
    const r = await init('--command', 'node server.js', '--name', 'my svc');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('clawback init: --name: expected a name of letters, digits, "-", "_" or "." (at most 63, starting with a letter or digit) (got "my svc")\n');
    expect(r.written).toBe(false);
  });

  it('a bad --health-url is said of the flag, its secrets still held back', async () => {
    const r = await init('--command', 'node server.js', '--health-url', 'ftp://user:hunter2@127.0.0.1/x?token=abc');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^clawback init: --health-url: expected an http:\/\/ or https:\/\/ URL \(got ftp:\/\/127\.0\.0\.1\/… \(rest not shown/);
    expect(r.stderr).not.toContain('hunter2');
    expect(r.stderr).not.toContain('services[0]');
  });

  it('a blank --command is a missing one', async () => {
    const r = await init('--command', '   ');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('clawback init: --preset generic needs --command "..." (the service\'s command line)\n');
    expect(r.written).toBe(false);
  });
});
