// `clawback run` stopped (Ctrl-C, SIGTERM, SIGUSR2) while its first start waited for a service's preflight validator
// (OpenClaw's, up to a minute) waited out that validator before it even said anything; it says so at once, cuts the
// start short and exits, with the services it started stopped (SIGINT, SIGTERM) or left running (SIGUSR2).
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { FIXTURES, NODE, markServices, tempDir } from '../helpers/daemon.js';
import { CLI } from '../helpers/cli.js';
import { START_ATTEMPTS_FILE } from '../../src/daemon/start-attempts.js';
import { isAlive, killTree, pidRef, spawnMarked, waitFor } from '../helpers/processes.js';

const cleanup: Array<() => void> = [];
afterEach(() => {
  while (cleanup.length) {
    try {
      cleanup.pop()!();
    } catch {
      // keep cleaning
    }
  }
});

const pidOf = (file: string): number | undefined => (existsSync(file) ? Number(readFileSync(file, 'utf8')) || undefined : undefined);

describe('clawback run stopped during its first start', () => {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGUSR2'] as const) {
    it(`${signal} while a service's validator runs: said at once, the validator ended, exits promptly`, async () => {
      const dir = tempDir('clawback-run-stop-starting-');
      cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
      const quickPid = path.join(dir, 'quick.pid');
      const validatorPid = path.join(dir, 'validator.pid');
      const cfg = path.join(dir, 'svc.json');
      writeFileSync(cfg, '{"ok": true}\n');
      const config = path.join(dir, 'clawback.yaml');
      // The gate never opens: the validator runs its full 60 s unless it is ended.
      const validator = [NODE, path.join(FIXTURES, 'gated-validator.mjs'), validatorPid, path.join(dir, 'never')];
      writeFileSync(
        config,
        YAML.stringify(
          markServices({
            api: { port: 0 },
            services: [
              { name: 'quick', command: [NODE, path.join(FIXTURES, 'write-pid-and-sleep.mjs'), quickPid] },
              { name: 'slow', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')], configFile: { path: cfg, format: 'json', validateCommand: validator, validateTimeout: '60s' } },
            ],
          }),
        ),
      );
      const d = spawnMarked(NODE, [CLI, 'run', '--config', config, '--state-dir', path.join(dir, 'state')]);
      cleanup.push(() => d.kill());
      const [quick, vpid] = await waitFor(
        () => {
          if (d.exitInfo()) throw new Error(`daemon exited: ${d.stderr()}`);
          const q = pidOf(quickPid);
          const v = pidOf(validatorPid);
          return q !== undefined && v !== undefined ? ([q, v] as const) : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 100, message: 'the quick service started and the slow one validating' },
      );
      cleanup.push(() => killTree(pidRef(quick)));
      cleanup.push(() => killTree(pidRef(vpid)));
      expect(isAlive(vpid)).toBe(true);
      process.kill(d.pid, signal);
      // Generous: the validator's minute is what the old daemon waited for.
      const exit = await d.waitForExit(25_000);
      expect(exit, d.stdout() + d.stderr()).toEqual({ code: 0, signal: null });
      expect(d.stdout()).toContain('stopping: the start was still in progress');
      expect(d.stdout(), 'no banner of a daemon going away').not.toContain('clawback running');
      // A stop on purpose is not a start that died: three of them in a row must not move state.json aside at the next.
      expect(existsSync(path.join(dir, 'state', START_ATTEMPTS_FILE)), 'the start note cleared').toBe(false);
      await waitFor(() => (!isAlive(vpid) ? true : undefined), { timeoutMs: 5_000, message: `the validator ${vpid} ended` });
      if (signal === 'SIGUSR2') expect(isAlive(quick), 'SIGUSR2 leaves the services running').toBe(true);
      else await waitFor(() => (!isAlive(quick) ? true : undefined), { timeoutMs: 5_000, message: `the service ${quick} stopped` });
    }, 60_000);
  }
});
