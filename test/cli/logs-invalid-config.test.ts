// `clawback logs nope` with a config that does not load said "no output from "nope" yet" and exited 0 for any name:
// nothing told the user the config names no service. Now the config's error is said and the exit is 2 (invalid config).
import { describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/daemon.js';

describe('clawback logs with a config that does not load', () => {
  it('an unlogged name exits 2 naming the config problem; a name with a log still shows it', { timeout: 30_000 }, async () => {
    const dir = tempDir();
    const file = path.join(dir, 'clawback.yaml');
    const stateDir = path.join(dir, 'state');
    mkdirSync(path.join(stateDir, 'logs'), { recursive: true });
    writeFileSync(file, 'services:\n  web: {}\n');
    const r = await runCli(['logs', 'nope', '--config', file, '--state-dir', stateDir]);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toContain('no output from');
    expect(r.stderr).toContain('cannot tell whether "nope" is a service');
    expect(r.stderr).toContain('services: expected array');
    // The log of a service is still readable while its config is broken.
    writeFileSync(path.join(stateDir, 'logs', 'web.log'), 'hello from web\n');
    const shown = await runCli(['logs', 'web', '--config', file, '--state-dir', stateDir]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toBe('hello from web\n');
  });
});
