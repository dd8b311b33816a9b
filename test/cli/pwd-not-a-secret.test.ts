// `pwd` names a secret (`DB_PWD`), so the shell's `PWD` was learned as one: a daemon started from a directory printed
// every path under it as `[REDACTED]/clawback.yaml` in status, the journal and alerts (the config's, the logs').
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { CLI, runCli } from '../helpers/cli.js';
import { FIXTURES, NODE, markServices, tempDir } from '../helpers/daemon.js';
import { spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';
import { Redactor, REDACTED } from '../../src/observe/redact.js';

let daemon: MarkedChild | undefined;
afterEach(async () => {
  if (!daemon) return;
  daemon.child.kill('SIGTERM');
  await daemon.waitForExit(15_000).catch(() => daemon!.kill());
  daemon = undefined;
});

describe('the working directory of the shell that started clawback', () => {
  it('is not taken for a secret; a DB_PWD still is', () => {
    const r = new Redactor();
    r.addSecretEnv({ PWD: '/home/someone', OLDPWD: '/srv/app', DB_PWD: 'hunter2-x9' });
    expect(r.redact('/home/someone/clawback.yaml /srv/app/logs hunter2-x9')).toBe(`/home/someone/clawback.yaml /srv/app/logs ${REDACTED}`);
  });

  it('a daemon started from the config\'s directory names the config and log paths in status', async () => {
    const dir = tempDir('clawback-pwd-');
    const config = path.join(dir, 'clawback.yaml');
    const stateDir = path.join(dir, 'state');
    writeFileSync(config, YAML.stringify(markServices({ api: { port: 0 }, services: [{ name: 'web', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] })));
    daemon = spawnMarked(NODE, [CLI, 'run', '--config', config, '--state-dir', stateDir], { cwd: dir, env: { PWD: dir } });
    await daemon.waitForStdout('status:', 20_000);
    const status = await waitFor(
      async () => {
        const r = await runCli(['status', '--state-dir', stateDir], { cwd: dir, env: { PWD: dir } });
        return r.code === 0 && /web\s+running/.test(r.stdout) ? r.stdout : null;
      },
      { timeoutMs: 20_000, intervalMs: 300, message: 'web running in status' },
    );
    expect(status).toContain(config);
    expect(status).not.toContain(REDACTED);
  }, 60_000);
});
