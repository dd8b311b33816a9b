// The daemon's own heap near its limit: a real daemon at a small --max-old-space-size is degraded (status, event,
// metric) instead of dying of "JavaScript heap out of memory" with nothing said first; the fault clears below 70%.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CLI, runCli } from '../helpers/cli.js';
import { NODE, readJournalFile } from '../helpers/daemon.js';
import { spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';
import { steadyDaemonDirs, stopSpawnedDaemon } from './steady-daemon.js';
import { DaemonFaults } from '../../src/daemon/daemon-faults.js';
import { HeapWatch } from '../../src/daemon/heap-watch.js';
import { maxOldSpaceMiB } from '../../src/platform/heap-figures.js';
import type { ClawbackEvent } from '../../src/observe/events.js';

let daemon: MarkedChild | undefined;
let daemonStateDir: string | undefined;
afterEach(async () => {
  await stopSpawnedDaemon(daemon, daemonStateDir);
  daemon = undefined;
  daemonStateDir = undefined;
});

describe('the daemon near its heap limit', () => {
  it('a real daemon at --max-old-space-size=10 says so: degraded status, a daemon.degraded event, the gauge at 1', async () => {
    const { dir, config, stateDir } = steadyDaemonDirs('clawback-heap-');
    daemonStateDir = stateDir;
    // Its resting heap (about 8.0-8.5 MiB now; 7.5 MiB when this test was written) is at or above 80% of 10 MiB: the
    // check on the 2 s chore must see it. At 9 MiB (90 % at rest) a burst under the suite's load ran it out of heap.
    daemon = spawnMarked(NODE, ['--max-old-space-size=10', CLI, 'run', '--config', config, '--state-dir', stateDir]);
    const journal = path.join(stateDir, 'journal.jsonl');
    const heapEvent = (): ClawbackEvent | undefined => readJournalFile(journal).find((e) => e.type === 'daemon.degraded' && (e.details as { reason?: string }).reason === 'heap');
    const event = await waitFor(heapEvent, { timeoutMs: 30_000, message: `a heap fault in the journal (daemon exit: ${JSON.stringify(daemon.exitInfo())}, stderr: ${daemon.stderr().slice(-2000)})` });
    expect(event.severity).toBe('critical');
    expect(event.message).toMatch(/heap \d+\.\d MiB of its 10\.0 MiB limit \(\d+%/);
    expect(event.message).toContain('--max-old-space-size');
    expect(event.message).not.toContain('state dir');
    expect(daemon.stderr()).toContain('daemon degraded: heap');

    const st = await runCli(['status', '--json', '--state-dir', stateDir, '--config', config], { timeoutMs: 30_000 });
    expect(st.code, st.stderr).toBe(0);
    const status = JSON.parse(st.stdout) as { daemon: { health: string; degraded: Array<{ reason: string }> } };
    expect(status.daemon.health).toBe('degraded');
    expect(status.daemon.degraded.map((d) => d.reason)).toContain('heap');

    const port = (JSON.parse(readFileSync(path.join(stateDir, 'daemon.json'), 'utf8')) as { api: { port: number } }).api.port;
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toContain('clawback_daemon_degraded{reason="heap"} 1');
    expect(metrics).toContain('clawback_daemon_heap_limit_bytes 10485760');
    expect(daemon.exitInfo()).toBeUndefined();
  }, 60_000);

  it('degrades from 80%, sheds at every check while high, clears below 70% (hysteresis) with a recovered event', () => {
    const events: ClawbackEvent[] = [];
    let now = 1000;
    const faults = new DaemonFaults({ clock: { now: () => now }, emit: (e) => events.push(e), log: () => undefined, stateDir: '/s' });
    let used = 50;
    let sheds = 0;
    const watch = new HeapWatch({ faults, shed: () => (sheds++, 'dropped'), heap: () => ({ usedBytes: used * 1024 * 1024, limitBytes: 100 * 1024 * 1024 }) });
    watch.check();
    expect(faults.isDegraded('heap')).toBe(false);
    used = 81;
    watch.check();
    expect(faults.isDegraded('heap')).toBe(true);
    used = 75;
    now += 2000;
    watch.check(); // between the thresholds: still degraded, still shedding
    expect(faults.isDegraded('heap')).toBe(true);
    expect(sheds).toBe(2);
    used = 60;
    now += 2000;
    watch.check();
    expect(faults.isDegraded('heap')).toBe(false);
    expect(events.map((e) => e.type)).toEqual(['daemon.degraded', 'daemon.recovered']);
    expect(events[1]!.message).toContain('heap works again');
  });

  it('reads --max-old-space-size from NODE_OPTIONS and the command line, the command line winning', () => {
    expect(maxOldSpaceMiB([], undefined)).toBeUndefined();
    expect(maxOldSpaceMiB([], '--max-old-space-size=64 --trace-warnings')).toBe(64);
    expect(maxOldSpaceMiB(['--max_old_space_size=24'], '--max-old-space-size=64')).toBe(24);
  });
});
