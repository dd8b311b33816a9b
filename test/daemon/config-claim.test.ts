// After the config file's stateDir changed under a running daemon: the CLI still finds it, and a second daemon is refused.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FIXTURES, NODE, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { connect } from '../../src/cli/client.js';

const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
let daemon: TestDaemon | undefined;
afterEach(async () => {
  await daemon?.stop();
  daemon = undefined;
});

describe('the config file names a new stateDir while its daemon runs', () => {
  it('the CLI reaches the running daemon, and a daemon on the new stateDir is refused (no second copy of the service)', { timeout: 60_000 }, async () => {
    const dir = tempDir();
    const first = path.join(dir, 'state-one');
    daemon = await startTestDaemon({ stateDir: first, services: [{ name: 'sleepy', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] }, { dir, stateDir: undefined });
    expect(daemon.daemon.runtimes.get('sleepy')!.status().state).toBe('running');
    const text = readFileSync(daemon.configFile, 'utf8');
    expect(text).toContain('state-one');
    writeFileSync(daemon.configFile, text.replace('state-one', 'state-two'));

    // `clawback status` / `reload` with the edited file: the daemon serving it, not "not running, start it with run".
    const client = await connect({ config: daemon.configFile });
    expect(client.info.pid).toBe(process.pid);
    expect(path.basename(client.stateDir)).toBe('state-one');

    // `clawback run` with the edited file (another process): refused, naming the daemon that supervises these services.
    const run = spawnSync(NODE, [CLI, '--config', daemon.configFile, 'run'], { encoding: 'utf8', timeout: 30_000 });
    expect(run.status, run.stderr).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`a clawback daemon \\(pid ${process.pid}, state dir .*state-one\\) already supervises the services of`));
    expect(existsSync(path.join(dir, 'state-two', 'daemon.json'))).toBe(false);
    expect(daemon.daemon.runtimes.get('sleepy')!.status().state).toBe('running');
  });
});
