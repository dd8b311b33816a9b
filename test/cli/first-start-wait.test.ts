// `clawback reload` during the daemon's first start waited ~35 s behind a service's preflight validator without a word:
// it says what it waits for (that service's start, its preflight's step and time) before it is carried out.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { createDaemon, type Daemon } from '../../src/daemon/daemon.js';
import { defaultDaemonOptions } from '../../src/daemon/wiring.js';
import { FIXTURES, NODE, markServices, tempDir } from '../helpers/daemon.js';
import { CLI } from '../helpers/cli.js';
import { isAlive as alive, waitFor } from '../helpers/processes.js';

const running: Array<{ daemon: Daemon; started: Promise<void>; gate: string }> = [];

afterEach(async () => {
  for (const r of running.splice(0)) {
    writeFileSync(r.gate, '');
    await r.started.catch(() => undefined);
    await r.daemon.stop({ stopServices: true });
  }
});

describe('clawback reload during the daemon\'s first start', () => {
  it('says it waits for the service whose preflight runs, then reloads', async () => {
    const dir = tempDir();
    const cfg = path.join(dir, 'slow.json');
    const pidFile = path.join(dir, 'validator.pid');
    const gate = path.join(dir, 'gate');
    writeFileSync(cfg, '{"ok": true}\n');
    const configFile = path.join(dir, 'clawback.yaml');
    writeFileSync(
      configFile,
      YAML.stringify(markServices({ services: [{ name: 'slow', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')], configFile: { path: cfg, format: 'json', validateCommand: [NODE, path.join(FIXTURES, 'gated-validator.mjs'), pidFile, gate], validateTimeout: '60s' } }] })),
    );
    const stateDir = path.join(dir, 'state');
    const daemon = await createDaemon({ ...defaultDaemonOptions(), file: configFile, stateDir, apiPort: 0, heartbeatMs: 500 });
    const started = daemon.start();
    running.push({ daemon, started, gate });
    await waitFor(() => (existsSync(pidFile) && alive(Number(readFileSync(pidFile, 'utf8'))) && existsSync(path.join(stateDir, 'daemon.json')) ? true : undefined), { timeoutMs: 20_000, message: 'slow\'s validator running and the API up' });
    const child = spawn(NODE, [CLI, '-c', configFile, '--state-dir', stateDir, 'reload'], { env: { ...process.env, CLAWBACK_TEST_CHILD: '1', HOME: dir }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      // Told while the validator still runs (the gate is closed): what it waits for.
      await waitFor(() => (stderr.includes('waiting for') ? true : undefined), { timeoutMs: 20_000, message: `the reload's note (stderr so far: ${JSON.stringify(stderr)})` });
      expect(stderr).toMatch(/the config reload is carried out once it is done; waiting for slow's start \(its preflight is validating config, \d+ s of up to 60 s\)/);
      writeFileSync(gate, '');
      expect(await exited).toBe(0);
      expect(stdout).toMatch(/config reloaded/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 90_000);
});
