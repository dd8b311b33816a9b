// The dashboard tests that freeze the daemon (SIGSTOP) share one scaffold: headless Chromium, a real `clawback run` of
// a config, and hooks that never leave a stopped daemon or its files behind, whatever the test did to it.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { afterAll, beforeAll } from 'vitest';
import type { Browser } from 'playwright-core';
import { NODE, markServices, tempDir } from './daemon.js';
import { CLI } from './cli.js';
import { spawnMarked, waitFor, type MarkedChild } from './processes.js';
import { launchChromium } from './chromium.js';

export interface RunningDaemon {
  daemon: MarkedChild;
  stateDir: string;
  /** The page's address (no token). */
  url: string;
  /** The daemon's token, for the actions that change state. */
  token(): string;
}

/** Registers the hooks of a describe block; start() runs a daemon (one per block) with these services. */
export function useFrozenDaemonPage(prefix: string): { browser(): Browser; start(services: Array<Record<string, unknown>>): Promise<RunningDaemon> } {
  let browser: Browser | undefined;
  let daemon: MarkedChild | undefined;
  let dir: string | undefined;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    if (daemon && !daemon.exitInfo()) {
      process.kill(daemon.pid, 'SIGCONT');
      process.kill(daemon.pid, 'SIGTERM');
      await daemon.waitForExit(30_000).catch(() => daemon?.kill());
    }
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return {
    browser: () => browser!,
    async start(services) {
      dir = tempDir(prefix);
      const config = path.join(dir, 'clawback.yaml');
      const stateDir = path.join(dir, 'state');
      writeFileSync(config, YAML.stringify(markServices({ api: { port: 0 }, services })));
      const d = spawnMarked(NODE, [CLI, 'run', '--config', config, '--state-dir', stateDir]);
      daemon = d;
      await waitFor(() => d.stdout().includes('clawback running'), { timeoutMs: 30_000, intervalMs: 100, message: 'the daemon runs' });
      const { api } = JSON.parse(readFileSync(path.join(stateDir, 'daemon.json'), 'utf8')) as { api: { host: string; port: number } };
      return { daemon: d, stateDir, url: `http://${api.host}:${api.port}/`, token: () => readFileSync(path.join(stateDir, 'token'), 'utf8').trim() };
    },
  };
}
