// A daemon leaving its services running (SIGUSR2, an upgrade) while a restart's graceful stop is under way.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { isAlive, waitFor } from '../helpers/processes.js';

let daemons: TestDaemon[] = [];
afterEach(async () => {
  for (const d of daemons) await d.stop();
  daemons = [];
});

describe('shutdown that leaves services running, during a stop under way', () => {
  it('sees the stopped instance exit, ends with the stop (not its bound + 10 s) and keeps no dead pid as "stopping"', { timeout: 60_000 }, async () => {
    const graceMs = 2_000;
    const t = await startTestDaemon({
      services: [{ name: 'stubborn', command: [NODE, path.join(FIXTURES, 'ignore-sigterm.mjs')], stop: { grace: `${graceMs}ms` } }],
    });
    daemons.push(t);
    const rt = t.daemon.runtimes.get('stubborn')!;
    const pid = await waitFor(() => rt.status().pid, { timeoutMs: 20_000 });
    // Both processes of the tree ignore SIGTERM from here on.
    const log = path.join(t.stateDir, 'logs', 'stubborn.log');
    await waitFor(() => existsSync(log) && readFileSync(log, 'utf8').includes('"grandchild"'), { timeoutMs: 20_000 });
    void rt.restart('human');
    await waitFor(() => rt.status().state === 'stopping', { timeoutMs: 10_000 });
    const began = Date.now();
    await t.daemon.stop({ stopServices: false });
    daemons = [];
    const took = Date.now() - began;
    // The stubborn instance ignores SIGTERM: the stop's grace, then SIGKILL of its group.
    await waitFor(() => !isAlive(pid), { timeoutMs: 10_000 });
    // Before: the exit went unseen, so the shutdown waited grace + 10 s and state.json kept pid as 'stopping'.
    expect(took).toBeGreaterThanOrEqual(graceMs - 100);
    expect(took).toBeLessThan(graceMs + 7_000);
    expect(t.journal().some((e) => e.type === 'service.exited' && e.service === 'stubborn')).toBe(true);
    const state = JSON.parse(readFileSync(path.join(t.stateDir, 'state.json'), 'utf8')) as { services: Record<string, { record: { phase: string; instance: unknown } }> };
    expect(state.services.stubborn!.record).toMatchObject({ phase: 'stopped', instance: null });
  });
});
