// The set-up of the tests that start a real daemon at an odd heap size on one steady service (heap fault, heap-bounded
// reads, start loops): its dirs and config, and the stop of whatever daemon the test left running.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { FIXTURES, NODE, markServices, tempDir } from '../helpers/daemon.js';
import { killTree, pidRef, processesSupervisedBy, type MarkedChild } from '../helpers/processes.js';

/** A temp dir with a clawback.yaml of one `steady` sleeper service (API on a free port); `stateDir` made (0700) when asked. */
export function steadyDaemonDirs(prefix: string, opts: { makeStateDir?: boolean } = {}): { dir: string; config: string; stateDir: string } {
  const dir = tempDir(prefix);
  const config = path.join(dir, 'clawback.yaml');
  const stateDir = path.join(dir, 'state');
  writeFileSync(config, YAML.stringify(markServices({ api: { port: 0 }, services: [{ name: 'steady', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] })));
  if (opts.makeStateDir) mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  return { dir, config, stateDir };
}

/**
 * SIGTERM, then a kill past 20 s: for an afterEach. With its state dir, the services it recorded that still run are
 * ended too: a daemon at an odd heap size that died (out of heap) or was killed leaves its services running, as a dead
 * daemon must, and they leaked past the suite's end (`sleeper.mjs`, in CI).
 */
export async function stopSpawnedDaemon(daemon: MarkedChild | undefined, stateDir?: string): Promise<void> {
  if (!daemon) return;
  daemon.child.kill('SIGTERM');
  await daemon.waitForExit(20_000).catch(() => daemon.kill());
  for (const inst of stateDir ? recordedInstances(stateDir) : []) killTree(pidRef(inst.pid, inst.pidStartTime));
  // Any its daemon started and state.json does not name (a sleeper of supervision-stuck outlived the suite in a run).
  for (const pid of stateDir ? processesSupervisedBy(stateDir) : []) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
}

/** The instances state.json records (none when it cannot be read). */
export function recordedInstances(stateDir: string): Array<{ pid: number; pidStartTime: number | null }> {
  try {
    const state = JSON.parse(readFileSync(path.join(stateDir, 'state.json'), 'utf8')) as { services?: Record<string, { record?: { instance?: { pid: number; pidStartTime: number | null } | null } }> };
    return Object.values(state.services ?? {}).flatMap((s) => (s.record?.instance ? [s.record.instance] : []));
  } catch {
    return [];
  }
}
