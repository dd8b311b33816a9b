// SIGUSR1 to the daemon: Node's default opened its inspector, through which any local user (any uid) ran code as the
// daemon; the daemon now says the signal is ignored, opens nothing and keeps supervising.
import { afterEach, describe, expect, it } from 'vitest';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { CLI } from '../helpers/cli.js';
import { FIXTURES, NODE, markServices, readJournalFile, tempDir } from '../helpers/daemon.js';
import { spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';

let daemon: MarkedChild | undefined;
let dir: string | undefined;
afterEach(async () => {
  if (daemon) {
    daemon.signal('SIGTERM');
    await daemon.waitForExit(20_000).catch(() => daemon!.kill());
    daemon = undefined;
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('SIGUSR1 to the daemon', () => {
  it('opens no debugger: the signal is said to be ignored and the service stays supervised', async () => {
    dir = tempDir('clawback-sigusr1-');
    const config = path.join(dir, 'clawback.yaml');
    const stateDir = path.join(dir, 'state');
    writeFileSync(config, YAML.stringify(markServices({ api: { port: 0 }, services: [{ name: 'steady', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] })));
    // --inspect-port=0: were the inspector opened, it would take a free port (never 9229, which others may use) and say so.
    daemon = spawnMarked(NODE, ['--inspect-port=0', CLI, 'run', '--config', config, '--state-dir', stateDir]);
    await daemon.waitForStdout('clawback running', 30_000);
    expect(daemon.signal('SIGUSR1')).toBe(true);
    await daemon.waitForStdout(/SIGUSR1 ignored: no debugger is opened/, 20_000).catch((err: Error) => {
      throw new Error(`${err.message}; stderr: ${daemon!.stderr().slice(-1000)}`);
    });
    expect(daemon.stderr()).not.toMatch(/Debugger listening/);
    expect(daemon.exitInfo()).toBeUndefined();
    // Still supervising: the service it started is running, and no stop was journaled.
    const journal = path.join(stateDir, 'journal.jsonl');
    await waitFor(() => readJournalFile(journal).some((e) => e.type === 'service.started' && e.service === 'steady'), { timeoutMs: 20_000, message: 'steady started' });
    expect(readJournalFile(journal).some((e) => e.type === 'service.stopped' || e.type === 'daemon.stopped')).toBe(false);
  }, 60_000);
});
