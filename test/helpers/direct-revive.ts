// Shared set-up of the guardian's direct-revive tests: a state dir, a one-service config (a sleeper named gw), an
// optional saved record for it, and the cleanup that kills what the revive started; and a CLI guardian pass whose
// daemon cannot start, so that it starts the service itself.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { clawbackConfigSchema, type ClawbackConfig } from '../../src/config/schema.js';
import { StateStore } from '../../src/daemon/state-store.js';
import { normalizeState, type ServiceRecord } from '../../src/decide/service-state.js';
import YAML from 'yaml';
import { runCli, type CliResult } from './cli.js';
import { FIXTURES, NODE, markServices, tempDir } from './daemon.js';
import { freePort } from './ports.js';
import { killTree, pidRef, type PidRef } from './processes.js';

export const SLEEPER = fileURLToPath(new URL('../fixtures/sleeper.mjs', import.meta.url));

export interface DirectReviveSetup {
  dir: string;
  config: ClawbackConfig;
}

export interface DirectReviveOptions {
  /** Extra keys of the service gw (e.g. restart). */
  service?: Record<string, unknown>;
  /** Shapes gw's saved record (a fresh 'up' one) before it is written to state.json; none saved without it. */
  record?: (record: ServiceRecord) => void;
}

export interface DirectReviveHarness {
  setup(prefix: string, opts?: DirectReviveOptions): DirectReviveSetup;
  /** The pid state.json records for gw (what the revive started); killed, with its group, at cleanup. */
  startedPid(dir: string): number;
  /** A pid (and its group) to kill at cleanup. */
  track(pid: number): void;
  /** For afterEach: kills every tracked process group and removes every state dir. */
  cleanup(): void;
}

/** One per test file: its lists belong to that file's tests. */
export function directReviveHarness(): DirectReviveHarness {
  const dirs: string[] = [];
  const pids: PidRef[] = [];
  return {
    setup(prefix, opts = {}) {
      const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
      dirs.push(dir);
      const config = clawbackConfigSchema.parse({ services: [{ name: 'gw', command: [process.execPath, SLEEPER], env: { CLAWBACK_TEST_CHILD: '1' }, ...opts.service }] });
      if (opts.record) {
        const { incident, ...record } = normalizeState(undefined, null, 'up');
        opts.record(record);
        new StateStore(dir).save({ version: 1, services: { gw: { record, incident } } });
      }
      return { dir, config };
    },
    startedPid(dir) {
      const pid = new StateStore(dir).load().state.services.gw!.record.instance!.pid;
      pids.push(pidRef(pid));
      return pid;
    },
    track(pid) {
      pids.push(pidRef(pid));
    },
    cleanup() {
      for (const ref of pids.splice(0)) killTree(ref);
      for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
    },
  };
}

export interface BlockedDaemonPass {
  stateDir: string;
  /** The CLI's result, or the error when it did not exit in time. */
  pass: CliResult | Error;
  /** The pid state.json records for the service sl the pass started itself (killed at cleanup). */
  pid: number | undefined;
}

/**
 * Runs `clawback guardian --once` on a config whose daemon can never start (its API port is held by a listener of the
 * test's) with one sleeper service, sl: the pass then starts the service itself. Everything it leaves is undone by
 * `cleanup` (the caller's afterEach list, run last-in first-out).
 */
export async function guardianPassWithBlockedDaemon(
  prefix: string,
  cleanup: Array<() => void | Promise<void>>,
  timeoutMs: number,
  /** Prepares the state dir (created) before the pass. */
  before?: (stateDir: string) => void,
): Promise<BlockedDaemonPass> {
  const dir = tempDir(prefix);
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const stateDir = path.join(dir, 'state');
  const apiPort = await freePort();
  const configPath = path.join(dir, 'clawback.yaml');
  writeFileSync(configPath, YAML.stringify(markServices({ api: { port: apiPort }, services: [{ name: 'sl', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] })));
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(apiPort, '127.0.0.1', resolve));
  cleanup.push(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
  if (before) {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    before(stateDir);
  }
  const pass = await runCli(['guardian', '--once', '--config', configPath, '--state-dir', stateDir], { timeoutMs }).catch((err: Error) => err);
  let pid: number | undefined;
  try {
    pid = (JSON.parse(readFileSync(path.join(stateDir, 'state.json'), 'utf8')) as { services: Record<string, { record: { instance: { pid: number } | null } }> }).services.sl?.record.instance?.pid;
  } catch {
    // no state.json: the pass started nothing
  }
  if (pid) {
    const started = pidRef(pid);
    cleanup.push(() => killTree(started));
  }
  return { stateDir, pass, pid };
}
