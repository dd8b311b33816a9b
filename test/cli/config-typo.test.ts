// A config file named by --config or $CLAWBACK_CONFIG that cannot be read (a typo, a moved file) is an error, exit 2:
// the CLI fell back to ~/.clawback without a word, so `clawback --config typo.yaml stop gw` stopped the gw of
// whatever daemon ran there, and answered "stop gw: stopped", exit 0.
import { rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { FIXTURES, NODE, startTestDaemon, tempDir } from '../helpers/daemon.js';

describe('a config file named on purpose that cannot be read', () => {
  it('is refused with exit 2 naming the file, and no command reaches the daemon of the default state directory', async () => {
    const home = tempDir('clawback-home-');
    const td = await startTestDaemon({ services: [{ name: 'gw', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] });
    try {
      // ~/.clawback of this HOME is the running daemon's state directory: the default a fallback lands on.
      symlinkSync(td.stateDir, path.join(home, '.clawback'));
      const env = { HOME: home, CLAWBACK_STATE_DIR: '', CLAWBACK_CONFIG: '' };
      const cli = (args: string[], extra: Record<string, string> = {}) => runCli(args, { env: { ...env, ...extra }, cwd: home });

      // The default state directory does reach that daemon (its config names no stateDir).
      expect((await cli(['--config', td.configFile, 'status'])).code).toBe(0);

      const gw = td.daemon.runtimes.get('gw')!;
      const pid = gw.status().pid;
      expect(pid).toBeGreaterThan(0);
      const typo = path.join(td.dir, 'clawbak.yaml');

      const stop = await cli(['--config', typo, 'stop', 'gw']);
      expect(stop.code, stop.stdout + stop.stderr).toBe(2);
      expect(stop.stdout).toBe('');
      expect(stop.stderr).toContain(typo);
      expect(stop.stderr).toContain('cannot read: no such file or directory (ENOENT)');

      const byEnv = await cli(['restart', 'gw'], { CLAWBACK_CONFIG: typo });
      expect(byEnv.code, byEnv.stderr).toBe(2);

      // The fast `status` path and the file readers (logs) say the same.
      const status = await cli(['status', '--json', '--config', typo]);
      expect(status.code).toBe(2);
      // No status of another daemon on stdout: only the --json error answer naming the file.
      expect(JSON.parse(status.stdout)).toMatchObject({ ok: false, error: { kind: 'invalid-config', exitCode: 2 } });
      expect(status.stdout).toContain(typo);
      expect((await cli(['logs', 'gw', '--config', typo])).code).toBe(2);

      expect(gw.status().state).toBe('running');
      expect(gw.status().pid).toBe(pid);
    } finally {
      await td.stop();
      rmSync(home, { recursive: true, force: true });
    }
  }, 60_000);
});
