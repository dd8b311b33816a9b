// The API token file deleted while the daemon runs (a cleanup script, `rm -rf ~/.clawback/token`, a restore that lacks
// it): every CLI command that changes something failed with "restart the daemon to write a new one". The daemon now
// writes the token it holds back (0600, atomically) when a client without one is refused, and the CLI asks once more.
import path from 'node:path';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { FIXTURES, NODE, startTestDaemon } from '../helpers/daemon.js';
import { httpPost } from '../helpers/processes.js';

describe('the API token file deleted under a running daemon', () => {
  it('clawback restart NAME still works: the daemon writes its own token back, 0600, and no second daemon starts', async () => {
    const td = await startTestDaemon({ services: [{ name: 'steady', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] });
    const g = ['--state-dir', td.stateDir, '--config', td.configFile];
    const file = path.join(td.stateDir, 'token');
    try {
      const before = readFileSync(file, 'utf8');
      rmSync(file);
      const r = await runCli(['restart', 'steady', ...g]);
      expect(r.code, r.stderr).toBe(0);
      expect(existsSync(file)).toBe(true);
      expect(readFileSync(file, 'utf8')).toBe(before);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      // The same daemon answered (no second one was started to write a token).
      const info = JSON.parse(readFileSync(path.join(td.stateDir, 'daemon.json'), 'utf8')) as { pid: number };
      expect(info.pid).toBe(process.pid);

      // A token changed by hand is not overwritten: the client is told to put the old one back.
      const { writeFileSync } = await import('node:fs');
      writeFileSync(file, 'x'.repeat(32) + '\n', { mode: 0o600 });
      const refused = await runCli(['restart', 'steady', ...g]);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toMatch(/put the old one back/);
      expect(readFileSync(file, 'utf8')).toBe('x'.repeat(32) + '\n');

      // Nor is a refused request without any token a way to change the file when it is present.
      expect((await httpPost(`http://127.0.0.1:${td.daemon.api!.port}/api/services/steady/restart`)).status).toBe(401);
      expect(readFileSync(file, 'utf8')).toBe('x'.repeat(32) + '\n');
    } finally {
      await td.stop();
    }
  }, 120_000);
});
