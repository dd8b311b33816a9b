// The installed units and the cron line ran `guardian --once` without --json: each pass appended its indented report
// (20+ lines) to guardian.log. The units now pass --json, and a unit or cron line from an older install (no --json,
// output appended to the file) gets one line a pass as well.
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/daemon.js';
import { CLI } from '../helpers/cli.js';
import { guardianArgv, guardianCronEntry, launchdGuardianPlist, systemdGuardianService } from '../../src/platform/service-files.js';

/** One pass as an older cron line runs it: no --json, stdout and stderr appended to guardian.log. */
function passInto(log: string, stateDir: string, home: string): Promise<number | null> {
  const fd = openSync(log, 'a');
  try {
    const child = spawn(process.execPath, [CLI, 'guardian', '--once', '--state-dir', stateDir], {
      env: { ...process.env, CLAWBACK_TEST_CHILD: '1', HOME: home, CLAWBACK_CONFIG: '', XDG_RUNTIME_DIR: '' },
      stdio: ['ignore', fd, fd],
    });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => (child.kill('SIGKILL'), reject(new Error('guardian pass timed out'))), 40_000);
      child.on('exit', (code) => (clearTimeout(timer), resolve(code)));
    });
  } finally {
    closeSync(fd);
  }
}

describe('guardian.log', () => {
  it('the units and the cron line run the guardian with --json', () => {
    const inputs = { nodePath: '/usr/bin/node', entryPath: '/opt/clawback/dist/cli/main.js', configPath: '/etc/clawback.yaml', stateDir: '/var/lib/clawback' };
    expect(guardianArgv(inputs)).toContain('--json');
    expect(systemdGuardianService(inputs)).toMatch(/^ExecStart=.* guardian --once .*--json$/m);
    expect(guardianCronEntry(inputs).line).toMatch(/ guardian --once .*--json >> /);
    expect(launchdGuardianPlist(inputs)).toContain('<string>--json</string>');
  });

  it('gets one line a pass from an older unit that runs the guardian without --json', async () => {
    const dir = tempDir('clawback-guardian-log-line-');
    const home = path.join(dir, 'home');
    mkdirSync(home);
    const log = path.join(dir, 'guardian.log');
    for (let pass = 0; pass < 2; pass++) expect(await passInto(log, path.join(dir, 'state'), home)).toBe(0);
    const lines = readFileSync(log, 'utf8').trimEnd().split('\n');
    expect(lines, readFileSync(log, 'utf8')).toHaveLength(2);
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ outcome: 'never-ran' });
  }, 90_000);
});
