// `clawback guardian --once --state-dir D` with no --config, where D/daemon.json is there but cannot be read (a FIFO, a
// directory, not JSON, a wrong shape; EACCES takes the same path, not run here: root reads a 0000 file): the config its daemon last ran is unknown, and the pass fell back to
// ./clawback.yaml of its cwd: it started THAT file's services (a sleeper) under a state dir that never ran them. It now
// refuses (exit 2) naming the file, starts nothing, and a --config still revives.
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { FIXTURES, NODE, markServices, tempDir } from '../helpers/daemon.js';
import { runCli } from '../helpers/cli.js';
import { isAlive, waitFor } from '../helpers/processes.js';

const cleanup: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

const forms: Array<{ name: string; make: (file: string) => void }> = [
  { name: 'a FIFO', make: (f) => execFileSync('mkfifo', [f]) },
  { name: 'a directory', make: (f) => mkdirSync(f) },
  { name: 'not JSON', make: (f) => writeFileSync(f, '{"pid": 12') },
  { name: 'empty', make: (f) => writeFileSync(f, '') },
  { name: 'a wrong shape', make: (f) => writeFileSync(f, JSON.stringify({ pid: 'x', configPath: 1 })) },
];

describe('the guardian without --config and a daemon.json it cannot read', () => {
  for (const form of forms) {
    it(`${form.name}: refuses (exit 2) naming the file, does not start ./clawback.yaml of its cwd`, async () => {
      const dir = tempDir('clawback-unreadable-daemon-json-');
      const [home, stateDir, elsewhere] = [path.join(dir, 'home'), path.join(dir, 'state'), path.join(dir, 'elsewhere')] as const;
      for (const d of [home, stateDir, elsewhere]) mkdirSync(d, { mode: 0o700 });
      writeFileSync(path.join(elsewhere, 'clawback.yaml'), YAML.stringify(markServices({ api: { port: 0 }, services: [{ name: 'decoy', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] })));
      const file = path.join(stateDir, 'daemon.json');
      form.make(file);
      const r = await runCli(['guardian', '--once', '--pass-timeout', '20s', '--state-dir', stateDir], { cwd: elsewhere, env: { HOME: home, CLAWBACK_CONFIG: '' }, timeoutMs: 30_000 });
      const pid = r.stdout.trim().startsWith('{') ? (JSON.parse(r.stdout) as { after?: { pid: number } }).after?.pid : undefined;
      if (pid) {
        cleanup.push(async () => {
          process.kill(pid, 'SIGINT'); // the daemon stops the decoy it started and exits
          await waitFor(() => !isAlive(pid) || undefined, { timeoutMs: 20_000, intervalMs: 100 }).catch(() => process.kill(pid, 'SIGKILL'));
        });
      }
      expect(pid, `started a daemon for ./clawback.yaml: ${r.stdout}`).toBeUndefined();
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`${file} cannot be read`);
      expect(r.stderr).toContain('--config');
      expect(existsSync(path.join(stateDir, 'logs', 'daemon.out.log'))).toBe(false);
    }, 60_000);
  }
});
