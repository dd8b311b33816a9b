// What an exited instance left outside its group is stopped as a stop is (stop signal, grace, SIGKILL), and the next start waits for it.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { FIXTURES, NODE, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { isAlive, killTree, pidRef, waitFor, type PidRef } from '../helpers/processes.js';

let daemon: TestDaemon | undefined;
/** Processes the test saw, as they were when it read their pids (a later holder of a pid is not the test's). */
const seen: PidRef[] = [];
afterEach(async () => {
  await daemon?.stop();
  daemon = undefined;
  for (const ref of seen.splice(0)) killTree(ref);
});

function lines(file: string, word: string): number[] {
  if (!existsSync(file)) return [];
  return [...readFileSync(file, 'utf8').matchAll(new RegExp(`^${word} (\\d+)$`, 'gm'))].map((m) => Number(m[1]));
}

describe('the stray processes of an exited instance', () => {
  it('get the stop signal first: a worker that flushes on SIGTERM flushes before it goes', { timeout: 60_000 }, async () => {
    const record = path.join(tempDir(), 'record');
    daemon = await startTestDaemon({
      services: [{ name: 'svc', command: [NODE, path.join(FIXTURES, 'escape-then-crash.mjs'), record], restart: { policy: 'never' }, stop: { grace: '5s' } }],
    });
    const [worker] = await waitFor(() => (lines(record, 'up').length > 0 ? lines(record, 'up') : undefined), { timeoutMs: 15_000 });
    seen.push(pidRef(worker!));
    await waitFor(() => daemon!.events.some((e) => e.type === 'service.leftovers-killed' && e.service === 'svc'), { timeoutMs: 15_000 });
    await waitFor(() => !isAlive(worker!), { timeoutMs: 10_000 });
    // Before: SIGKILL at once, so the worker never wrote what it held.
    expect(lines(record, 'flushed')).toEqual([worker]);
  });

  it('one that ignores the stop signal is killed after the stop grace, and the restart waits until it is gone', { timeout: 60_000 }, async () => {
    const record = path.join(tempDir(), 'record');
    daemon = await startTestDaemon({
      services: [{ name: 'svc', command: [NODE, path.join(FIXTURES, 'escape-then-crash.mjs'), record, '--ignore-term'], restart: { intensity: { maxRestarts: 1, window: '60s' } }, stop: { grace: '1500ms' } }],
    });
    const [first] = await waitFor(() => (lines(record, 'up').length > 0 ? lines(record, 'up') : undefined), { timeoutMs: 15_000 });
    seen.push(pidRef(first!));
    const exited = await waitFor(() => daemon!.events.find((e) => e.type === 'service.exited' && e.service === 'svc'), { timeoutMs: 15_000 });
    // Still given its grace a moment after the exit, then gone within it (bounded).
    await new Promise((r) => setTimeout(r, 500));
    expect(isAlive(first!)).toBe(true);
    await waitFor(() => !isAlive(first!), { timeoutMs: 5_000 });
    const goneAt = Date.now();
    // The second instance was started only once the stray was gone (it could hold the port).
    const restarted = await waitFor(() => daemon!.events.find((e) => e.type === 'service.started' && e.service === 'svc' && e.time > exited.time), { timeoutMs: 15_000 });
    expect(restarted.time).toBeGreaterThanOrEqual(exited.time + 1_000);
    expect(restarted.time).toBeLessThanOrEqual(goneAt + 1_000);
    seen.push(...lines(record, 'up').map((p) => pidRef(p)));
  });

  it('a daemon stopping meanwhile does not wait out a long grace: the survivor is killed then, nothing is left', { timeout: 60_000 }, async () => {
    const record = path.join(tempDir(), 'record');
    daemon = await startTestDaemon({
      services: [{ name: 'svc', command: [NODE, path.join(FIXTURES, 'escape-then-crash.mjs'), record, '--ignore-term'], stop: { grace: '60s' } }],
    });
    const [worker] = await waitFor(() => (lines(record, 'up').length > 0 ? lines(record, 'up') : undefined), { timeoutMs: 15_000 });
    seen.push(pidRef(worker!));
    await waitFor(() => daemon!.events.some((e) => e.type === 'service.leftovers-killed' && e.service === 'svc'), { timeoutMs: 15_000 });
    const t0 = Date.now();
    await daemon.stop();
    daemon = undefined;
    expect(Date.now() - t0).toBeLessThan(10_000);
    await waitFor(() => !isAlive(worker!), { timeoutMs: 5_000 });
  });
});
