// `clawback doctor` typed in another directory checked the embedded demo (exit 2, "demo-gateway: 1 finding(s)") and said
// nothing of the live daemon; with that daemon's --state-dir it still checked the demo, and `doctor web` said exit 4.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { CLI, runCli } from '../helpers/cli.js';
import { FIXTURES, NODE, markServices, tempDir } from '../helpers/daemon.js';
import { spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';

let daemon: MarkedChild | undefined;
let root: string | undefined;
afterEach(async () => {
  if (daemon) {
    daemon.signal('SIGTERM');
    await daemon.waitForExit(20_000).catch(() => daemon!.kill());
    daemon = undefined;
  }
  if (root) rmSync(root, { recursive: true, force: true });
  root = undefined;
});

describe('doctor typed where no config is', () => {
  it('reads the config of the daemon of --state-dir, and says it checks the demo (with the live daemons) otherwise', async () => {
    root = tempDir('clawback-doctor-elsewhere-');
    const tmp = path.join(root, 'tmp');
    const home = path.join(root, 'home');
    const elsewhere = path.join(root, 'elsewhere');
    for (const d of [tmp, home, elsewhere]) mkdirSync(d, { mode: 0o700 });
    const dir = path.join(root, 'project');
    mkdirSync(dir);
    const stateDir = path.join(dir, 'state');
    const config = path.join(dir, 'clawback.yaml');
    writeFileSync(config, YAML.stringify(markServices({ stateDir, api: { port: 0 }, services: [{ name: 'web', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] })));
    const env = { TMPDIR: tmp, HOME: home, CLAWBACK_STATE_DIR: '', CLAWBACK_CONFIG: '', NO_COLOR: '1' };
    daemon = spawnMarked(NODE, [CLI, 'run', '--config', config], { env, cwd: dir });
    await daemon.waitForStdout('status:', 30_000);
    await waitFor(async () => ((await runCli(['status', '--config', config], { env })).code === 0 ? true : null), { timeoutMs: 20_000, message: 'the daemon answering' });

    // The command the listing offers reaches the daemon's services.
    const viaState = await runCli(['--state-dir', stateDir, 'doctor', 'web', '--json'], { env, cwd: elsewhere });
    expect(viaState.code, viaState.stderr).toBe(0);
    expect(JSON.parse(viaState.stdout).services.map((s: { service: string }) => s.service)).toEqual(['web']);
    const all = await runCli(['--state-dir', stateDir, 'doctor'], { env, cwd: elsewhere });
    expect(all.stdout).toContain('web: healthy');
    expect(all.stdout).not.toContain('demo-gateway');

    // Nothing named there: the demo is checked, and that is said with the live daemon and the command pointed at it.
    const bare = await runCli(['doctor'], { env, cwd: elsewhere });
    expect(bare.stderr).toContain('so this checks the embedded demo, not your services');
    expect(bare.stderr).toContain(`pid ${daemon.pid} runs ${config}, reach it with: `);
    expect(bare.stderr).toContain(`--state-dir ${stateDir} doctor`);
    const named = await runCli(['doctor', 'web', '--json'], { env, cwd: elsewhere });
    expect(named.code, named.stderr).toBe(4);
    const err = JSON.parse(named.stdout).error;
    expect(err.kind).toBe('not-found');
    expect(err.message).toContain('embedded demo');
    expect(err.message).toContain(`--state-dir ${stateDir} doctor web --json`);
  }, 90_000);
});
