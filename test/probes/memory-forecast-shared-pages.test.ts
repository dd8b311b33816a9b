// The memory forecast sees what the memory probe judges: a prefork tree whose summed RSS grows with each new worker
// while the memory in use stays flat must not be forecast to reach its limit (that forecast restarted it "before OOM").
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/platform/clock.js';
import { treeMembers, treeRssBytes } from '../../src/platform/proc.js';
import { probeSchema, type ProbeConfigOf } from '../../src/probes/probe-schema.js';
import { createMemoryProbe } from '../../src/probes/memory-probe.js';
import type { ProbeTarget } from '../../src/probes/probe-types.js';
import { MemoryForecaster } from '../../src/predict/memory-forecaster.js';
import { spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';

const MB = 1024 * 1024;

/** The tree's processes that run `sleep` (one per settled worker). */
function sleepers(root: number): number {
  return treeMembers(root).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sleep';
    } catch {
      return false;
    }
  }).length;
}
let child: MarkedChild | undefined;
const dirs: string[] = [];

afterEach(async () => {
  if (child) {
    child.kill();
    await child.waitForExit(5000);
    child = undefined;
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('memory forecast of a tree that shares its pages', () => {
  it('a master of ~60 MB forking one more worker at a time: summed RSS climbs, the forecast fed by the probe does not', { timeout: 60_000 }, async () => {
    // Each subshell maps the master's 60 MB (copy-on-write, never written): summed RSS +60 MB per worker, PSS flat.
    // The test writes a line to go<i> to let the master fork worker i.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cb-prefork-'));
    dirs.push(dir);
    // The master waits on a FIFO per worker (a builtin `read`: no polling `sleep`, whose forks would each map the 60 MB
    // for a moment and make a reading noisy).
    for (let i = 1; i <= 7; i++) execFileSync('mkfifo', [path.join(dir, `go${i}`)]);
    child = spawnMarked('/bin/sh', ['-c', 'x=$(head -c 60000000 /dev/zero | tr "\\0" a); echo ready; for i in 1 2 3 4 5 6 7; do read _ < "$0/go$i" || exit 1; (while :; do sleep 1000; done) & done; wait', dir]);
    await child.waitForStdout('ready', 20_000);
    const target: ProbeTarget = { pid: child.pid, startedAt: Date.now() };
    const clock = new FakeClock();
    const limit = 2048 * MB;
    const probe = createMemoryProbe(probeSchema.parse({ kind: 'memory', limit: '2GiB' }) as ProbeConfigOf<'memory'>, { clock });
    const forecaster = new MemoryForecaster({ clock, windowMs: 120_000, minSamples: 5 });
    const signal = AbortSignal.timeout(30_000);
    const rssSeen: number[] = [];
    try {
      for (let workers = 0; workers <= 7; workers++) {
        if (workers > 0) {
          const before = treeRssBytes(child.pid);
          const fifo = path.join(dir, `go${workers}`);
          // Non-blocking: a master that is not reading (gone) makes the open fail, never hangs the test.
          await waitFor(() => {
            try {
              const fd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
              writeSync(fd, 'go\n');
              closeSync(fd);
              return true;
            } catch {
              return undefined;
            }
          }, { timeoutMs: 10_000, message: `the master to wait for worker ${workers}` });
          await waitFor(() => (treeRssBytes(child!.pid) > before + 40 * MB ? true : undefined), { timeoutMs: 10_000, message: `worker ${workers} mapping the 60 MB` });
          // Settled: each worker's `sleep` has exec'd (a loaded box can probe a fork of the worker not yet exec'd, a
          // third copy of the master's pages for one reading, which is noise, not the shape under test).
          await waitFor(() => (sleepers(child!.pid) === workers ? true : undefined), { timeoutMs: 10_000, message: `worker ${workers}'s sleep to start` });
        }
        // Probe ticks 10 s apart (each a fresh reading), fed to the forecast as the daemon feeds it.
        clock.advance(10_000);
        const r = await probe.check(target, signal);
        rssSeen.push(r.details?.['rssBytes'] as number);
        expect(r.status).toBe('success');
        if (r.details?.['pssEstimated'] !== true) forecaster.add({ bytes: r.value!, t: clock.monotonic() });
      }
    } finally {
      probe.dispose?.();
    }
    // The shape is real: summed RSS went from ~60 MB to over 400 MB, a straight line towards the limit.
    expect(rssSeen.at(-1)! - rssSeen[0]!).toBeGreaterThan(300 * MB);
    const forecast = forecaster.forecast(limit, clock.monotonic());
    expect(forecast.reason).not.toMatch(/samples span|only \d+ samples/);
    expect(forecast.verdict).not.toBe('rising');
    expect(forecaster.size).toBeGreaterThanOrEqual(5);
  });
});
