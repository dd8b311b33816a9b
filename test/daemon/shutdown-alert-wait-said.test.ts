// A daemon stopped (SIGTERM) with its webhook down took 5 s and more to exit, waiting for the notifier to deliver and
// for the spool's disk writes, with nothing said: the stop looked hung. It now says what it waits for and how long.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { markServices, NODE, tempDir } from '../helpers/daemon.js';
import { CLI } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';
import { spawnMarked, type MarkedChild } from '../helpers/processes.js';

const cleanup: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

describe('a stop with alerts undelivered', () => {
  it('says it waits for them, how long, and where they go', async () => {
    const dir = tempDir('clawback-stop-alerts-');
    const stateDir = path.join(dir, 'state');
    const configPath = path.join(dir, 'clawback.yaml');
    // Nothing listens there: every delivery is refused.
    const port = await freePort();
    const config = markServices({
      api: { port: 0 },
      notify: { channels: [{ type: 'webhook', url: `http://127.0.0.1:${port}/hook` }] },
      services: [{ name: 'idle', command: [NODE, '-e', 'setInterval(() => {}, 1e9)'] }],
    });
    writeFileSync(configPath, YAML.stringify(config));
    const daemon: MarkedChild = spawnMarked(process.execPath, [CLI, 'run', '--config', configPath, '--state-dir', stateDir], { env: { HOME: path.join(dir, 'home') } });
    cleanup.push(() => daemon.kill());
    await daemon.waitForStdout('dashboard:', 60_000);
    daemon.signal('SIGTERM');
    const exit = await daemon.waitForExit(60_000);
    expect(exit.code).toBe(0);
    expect(daemon.stderr()).toMatch(/shutdown: waiting up to 5 s for \d+ alert\(s\) not yet delivered.*those not sent stay on disk and go at the next start/);
    expect(readFileSync(path.join(stateDir, 'logs', 'daemon.log'), 'utf8')).toMatch(/waiting up to 5 s for \d+ alert\(s\) not yet delivered/);
  }, 120_000);
});
