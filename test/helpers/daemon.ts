// Test harness: an in-process daemon over a temp state dir, with every service child marked for leak checks.
import { mkdtempSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { createDaemon, type Daemon, type DaemonOptions } from '../../src/daemon/daemon.js';
import { defaultDaemonOptions } from '../../src/daemon/wiring.js';
import type { ClawbackEvent } from '../../src/observe/events.js';

export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
export const NODE = process.execPath;

export function tempDir(prefix = 'clawback-test-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Adds the leak marker to every service's env. */
export function markServices(config: { services: Array<Record<string, unknown>> } & Record<string, unknown>): typeof config {
  return {
    ...config,
    services: config.services.map((s) => ({ ...s, env: { ...((s.env as Record<string, string>) ?? {}), CLAWBACK_TEST_CHILD: '1' } })),
  };
}

export interface TestDaemon {
  daemon: Daemon;
  dir: string;
  stateDir: string;
  configFile: string;
  events: ClawbackEvent[];
  journal(): ClawbackEvent[];
  stop(): Promise<void>;
}

export async function startTestDaemon(config: { services: Array<Record<string, unknown>> } & Record<string, unknown>, opts: Partial<DaemonOptions> & { dir?: string } = {}): Promise<TestDaemon> {
  const dir = opts.dir ?? tempDir();
  const stateDir = path.join(dir, 'state');
  const configFile = path.join(dir, 'clawback.yaml');
  if (!opts.dir || !existsSync(configFile)) writeFileSync(configFile, YAML.stringify(markServices(config)));
  const daemon = await createDaemon({ ...defaultDaemonOptions(), file: configFile, stateDir, apiPort: 0, heartbeatMs: 500, ...opts });
  const events: ClawbackEvent[] = [];
  daemon.ctx.bus.subscribe((e) => events.push(e));
  await daemon.start();
  return {
    daemon,
    dir,
    stateDir,
    configFile,
    events,
    journal: () => readJournalFile(path.join(stateDir, 'journal.jsonl')),
    stop: () => daemon.stop({ stopServices: true }),
  };
}

export function readJournalFile(file: string): ClawbackEvent[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as ClawbackEvent);
}
