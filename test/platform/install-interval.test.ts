// `clawback install` had no --interval, and guardian-installed.json always said 60 s whatever the installed job ran at:
// status and /metrics measured "GUARDIAN NOT RUNNING" against the wrong interval. The interval is now an install
// option, written into the job, and recorded as the job really runs it (a cron line: whole minutes).
import { describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { FIXTURES, NODE, markServices, tempDir } from '../helpers/daemon.js';
import { runCli } from '../helpers/cli.js';
import { GUARDIAN_INSTALLED_FILE } from '../../src/daemon/guardian-pass.js';

describe('clawback install --interval', () => {
  it('writes the interval into the cron line and records it; a bad value is refused naming the option', async () => {
    const dir = tempDir('clawback-install-interval-');
    const home = path.join(dir, 'home');
    const bin = path.join(dir, 'bin');
    mkdirSync(home);
    mkdirSync(bin);
    const table = path.join(dir, 'crontab.txt');
    writeFileSync(
      path.join(bin, 'crontab'),
      `#!/bin/sh\nF='${table}'\nif [ "$1" = "-l" ]; then [ -f "$F" ] && exec cat "$F"; echo "no crontab for test" >&2; exit 1; fi\nif [ "$1" = "-" ]; then cat > "$F"; exit 0; fi\nexit 2\n`,
    );
    chmodSync(path.join(bin, 'crontab'), 0o755);
    const configPath = path.join(dir, 'clawback.yaml');
    writeFileSync(configPath, YAML.stringify(markServices({ api: { port: 0 }, services: [{ name: 'sl', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] })));
    const stateDir = path.join(dir, 'state');
    const env = { HOME: home, PATH: `${bin}:${process.env.PATH ?? ''}` };

    const bad = await runCli(['install', '--interval', '5s', '--config', configPath, '--state-dir', stateDir], { env });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--interval.*10 to 86400.*"5s"/);

    const install = await runCli(['install', '--interval', '5m', '--config', configPath, '--state-dir', stateDir], { env });
    expect(install.code, install.stderr).toBe(0);
    expect(readFileSync(table, 'utf8')).toMatch(/^\*\/5 \* \* \* \* .* guardian --once /m);
    const rec = JSON.parse(readFileSync(path.join(stateDir, GUARDIAN_INSTALLED_FILE), 'utf8')) as { intervalSec: number; manager: string };
    expect(rec).toMatchObject({ intervalSec: 300, manager: 'cron' });
  }, 60_000);
});
