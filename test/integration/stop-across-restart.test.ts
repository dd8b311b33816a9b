// A stop under way when the daemon is SIGKILLed (a person's `clawback stop` of a slow or stubborn service) is carried on by the next daemon.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { FIXTURES, NODE, markServices, readJournalFile, tempDir } from '../helpers/daemon.js';
import { CLI, runCli } from '../helpers/cli.js';
import { isAlive, killTree, pidRef, spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';

const cleanup: Array<() => void> = [];
afterEach(() => {
  while (cleanup.length) cleanup.pop()!();
});

interface Rec {
  phase: string;
  desired: string;
  instance: { pid: number } | null;
}

function record(stateDir: string): Rec | undefined {
  try {
    return (JSON.parse(readFileSync(path.join(stateDir, 'state.json'), 'utf8')) as { services: Record<string, { record: Rec }> }).services.stubborn?.record;
  } catch {
    return undefined;
  }
}

describe('a person\'s stop across a daemon SIGKILL', () => {
  it('the next daemon adopts the instance being stopped and finishes the stop; its start-up does not wait for the grace', { timeout: 90_000 }, async () => {
    const dir = tempDir();
    const config = path.join(dir, 'clawback.yaml');
    const stateDir = path.join(dir, 'state');
    writeFileSync(config, YAML.stringify(markServices({ api: { port: 0 }, services: [{ name: 'stubborn', command: [NODE, path.join(FIXTURES, 'ignore-sigterm.mjs')], stop: { grace: '15s' } }] })));
    const start = (): MarkedChild => {
      const d = spawnMarked(NODE, [CLI, 'run', '--config', config, '--state-dir', stateDir]);
      cleanup.push(() => d.kill());
      return d;
    };
    const d1 = start();
    const pid = await waitFor(() => record(stateDir)?.instance?.pid, { timeoutMs: 20_000, intervalMs: 50 });
    const ref = pidRef(pid);
    cleanup.push(() => killTree(ref));
    const stop = runCli(['stop', 'stubborn', '--config', config, '--state-dir', stateDir], { timeoutMs: 40_000 }).catch(() => undefined);
    await waitFor(() => record(stateDir)?.phase === 'stopping', { timeoutMs: 10_000, intervalMs: 20 });
    d1.kill();
    await d1.waitForExit(5000);
    await stop;
    expect(isAlive(pid)).toBe(true);
    const restartedAt = Date.now();
    const d2 = start();
    await d2.waitForStdout('dashboard:', 20_000);
    expect(Date.now() - restartedAt).toBeLessThan(12_000);
    // The stop goes on: SIGKILL of the group after the grace, and the service stays down.
    await waitFor(() => !isAlive(pid), { timeoutMs: 40_000, intervalMs: 200 });
    const journal = path.join(stateDir, 'journal.jsonl');
    await waitFor(() => readJournalFile(journal).find((e) => e.type === 'service.stopped'), { timeoutMs: 10_000 });
    const after = readJournalFile(journal).filter((e) => e.time >= restartedAt);
    expect(after.find((e) => e.type === 'daemon.adopted')?.details).toMatchObject({ pid, stopResumed: 'stay' });
    expect(after.filter((e) => e.type === 'incident.opened' || e.type === 'service.started')).toEqual([]);
    // state.json follows the journal (it is written once its fingerprint changes, after the event): waited for, not read at once.
    await waitFor(() => record(stateDir)?.phase === 'stopped' || undefined, { timeoutMs: 10_000, intervalMs: 50 });
    expect(record(stateDir)).toMatchObject({ phase: 'stopped', desired: 'down', instance: null });
  });
});
