// A service that forks into its own session and exits (a classic daemon): its copies die with each exit instead of piling up unsupervised.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { isAlive, killTree, pidRef, waitFor, type PidRef } from '../helpers/processes.js';

let daemon: TestDaemon | undefined;
/** Processes the test saw, as they were when it read their pids (a later holder of a pid is not the test's). */
const seen: PidRef[] = [];
afterEach(async () => {
  await daemon?.stop();
  daemon = undefined;
  for (const ref of seen.splice(0)) killTree(ref);
});

describe('a service that forks into its own session and exits', () => {
  it('kills what each exited instance left outside its group, reports it, and trips the breaker with nothing left running', { timeout: 60_000 }, async () => {
    daemon = await startTestDaemon({
      services: [{ name: 'forker', command: [NODE, path.join(FIXTURES, 'daemonize.mjs')], restart: { intensity: { maxRestarts: 3, window: '60s' } } }],
    });
    const rt = daemon.daemon.runtimes.get('forker')!;
    await waitFor(() => rt.status().held?.reason === 'crash-loop', { timeoutMs: 30_000 });
    const log = path.join(daemon.stateDir, 'logs', 'forker.log');
    const copies = await waitFor(() => {
      const pids = [...readFileSync(log, 'utf8').matchAll(/daemon (\d+)/g)].map((m) => Number(m[1]));
      return pids.length >= 4 ? pids : undefined;
    }, { timeoutMs: 10_000 });
    seen.push(...copies.map((p) => pidRef(p)));
    await waitFor(() => copies.every((pid) => !isAlive(pid)), { timeoutMs: 5_000, message: `copies still running: ${copies.filter((p) => isAlive(p)).join(', ')}` });
    const killed = daemon.events.filter((e) => e.type === 'service.leftovers-killed' && e.service === 'forker');
    expect(killed.length).toBeGreaterThanOrEqual(3);
    // Said plainly, not only "crash loop" after "exit code 0": the command daemonizes, and what to do about it.
    expect(rt.status().held?.detail).toMatch(/daemonizes .*foreground/);
    const exited = daemon.events.find((e) => e.type === 'service.exited' && e.service === 'forker');
    expect(exited?.message).toMatch(/exit code 0; it left 1 process\(es\) running outside its process group/);
    expect(rt.status().incident?.reason ?? '').toMatch(/daemonizes/);
  });

  it('with restart policy on-failure, its exit 0 is not reported as a job finished: a warning names the daemonizing', { timeout: 60_000 }, async () => {
    daemon = await startTestDaemon({
      services: [{ name: 'forker', command: [NODE, path.join(FIXTURES, 'daemonize.mjs')], restart: { policy: 'on-failure' } }],
    });
    const ended = await waitFor(() => daemon!.events.find((e) => e.type === 'service.stopped' && e.service === 'forker'), { timeoutMs: 15_000 });
    expect(ended.severity).toBe('warning');
    expect(ended.message).toMatch(/daemonizes/);
    expect(ended.message).not.toMatch(/finished/);
    const log = path.join(daemon.stateDir, 'logs', 'forker.log');
    const copies = [...readFileSync(log, 'utf8').matchAll(/daemon (\d+)/g)].map((m) => Number(m[1]));
    seen.push(...copies.map((p) => pidRef(p)));
  });

  it('leaves alone the processes it started itself with the same markers (the log redactor)', { timeout: 60_000 }, async () => {
    daemon = await startTestDaemon({
      services: [{ name: 'forker', command: [NODE, path.join(FIXTURES, 'daemonize.mjs')], logs: { redact: true }, restart: { intensity: { maxRestarts: 2, window: '60s' } } }],
    });
    const rt = daemon.daemon.runtimes.get('forker')!;
    await waitFor(() => rt.status().held?.reason === 'crash-loop', { timeoutMs: 30_000 });
    // Output still reaches the log through the redactor: it was not killed as a stray.
    const log = path.join(daemon.stateDir, 'logs', 'forker.log');
    await waitFor(() => /daemon \d+/.test(readFileSync(log, 'utf8')), { timeoutMs: 10_000 });
    const copies = [...readFileSync(log, 'utf8').matchAll(/daemon (\d+)/g)].map((m) => Number(m[1]));
    seen.push(...copies.map((p) => pidRef(p)));
    await waitFor(() => copies.every((pid) => !isAlive(pid)), { timeoutMs: 5_000 });
  });
});
