// `status -c bad.yaml` whose state directory is a daemon's that runs another config showed that daemon, exit 0, without a
// word about bad.yaml: the person read their services as fine. It now warns on stderr (stdout, --json, stays the answer).
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { runCli } from '../helpers/cli.js';
import { CLI } from '../helpers/cli.js';
import { FIXTURES, NODE, markServices, tempDir } from '../helpers/daemon.js';
import { spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';

let daemon: MarkedChild | undefined;
afterEach(async () => {
  if (!daemon) return;
  daemon.child.kill('SIGTERM');
  await daemon.waitForExit(15_000).catch(() => daemon!.kill());
  daemon = undefined;
});

describe('status with a --config the daemon found does not run', () => {
  it('says so, naming both files, and keeps the JSON answer as it was', async () => {
    const dir = tempDir('clawback-other-config-');
    const stateDir = path.join(dir, 'state');
    const good = path.join(dir, 'clawback.yaml');
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(good, YAML.stringify(markServices({ stateDir, api: { port: 0 }, services: [{ name: 'web', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] })));
    writeFileSync(bad, `stateDir: ${stateDir}\nservices:\n  - name: web\n    command: node\n    restrat: 1\n`);
    daemon = spawnMarked(NODE, [CLI, 'run', '--config', good]);
    await daemon.waitForStdout('status:', 20_000);
    await waitFor(async () => ((await runCli(['status', '--config', good])).code === 0 ? true : null), { timeoutMs: 20_000, message: 'the daemon answering' });

    const same = await runCli(['status', '--config', good]);
    expect(same.stderr).toBe('');

    const table = await runCli(['status', '--config', bad]);
    expect(table.code).toBe(0);
    expect(table.stderr).toContain(`clawback: warning: this is not the daemon of ${bad}: the daemon of ${stateDir} (pid ${daemon.pid}) runs ${good}; no daemon runs ${bad}`);

    const json = await runCli(['status', '--config', bad, '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout).daemon.configFile).toBe(good);
    expect(json.stderr).toContain('this is not the daemon of');

    // A --state-dir chose the daemon: the ./clawback.yaml of the directory took no part, nothing to warn about.
    const byDir = await runCli(['status', '--state-dir', stateDir], { cwd: dir });
    expect(byDir.stderr).toBe('');
  }, 60_000);
});
