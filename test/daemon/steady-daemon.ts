// The set-up of the tests that start a real daemon at an odd heap size on one steady service (heap fault, heap-bounded
// reads, start loops): its dirs and config, and the stop of whatever daemon the test left running.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { FIXTURES, NODE, markServices, tempDir } from '../helpers/daemon.js';
import type { MarkedChild } from '../helpers/processes.js';

/** A temp dir with a clawback.yaml of one `steady` sleeper service (API on a free port); `stateDir` made (0700) when asked. */
export function steadyDaemonDirs(prefix: string, opts: { makeStateDir?: boolean } = {}): { dir: string; config: string; stateDir: string } {
  const dir = tempDir(prefix);
  const config = path.join(dir, 'clawback.yaml');
  const stateDir = path.join(dir, 'state');
  writeFileSync(config, YAML.stringify(markServices({ api: { port: 0 }, services: [{ name: 'steady', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] })));
  if (opts.makeStateDir) mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  return { dir, config, stateDir };
}

/** SIGTERM, then a kill past 20 s: for an afterEach. */
export async function stopSpawnedDaemon(daemon: MarkedChild | undefined): Promise<void> {
  if (!daemon) return;
  daemon.child.kill('SIGTERM');
  await daemon.waitForExit(20_000).catch(() => daemon.kill());
}
