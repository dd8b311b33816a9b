// Level 0 on real processes: restart on exit, backoff, breaker, exit 78, group kill, no orphans.
import { afterEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { isAlive, PROCESS_START_MS, waitFor } from '../helpers/processes.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

const exitWith = (code: number, delayMs: number): string[] => [NODE, path.join(FIXTURES, 'exit-with.mjs'), String(code), String(delayMs)];
const svc = (td: TestDaemon, name = 'svc') => td.daemon.runtimes.get(name)!;

/** The two pids a fixture prints as {"pid":…,"<other>":…} into the service's log. */
function loggedPids(t: TestDaemon, other: string): Promise<{ pid: number; other: number }> {
  const logFile = path.join(t.stateDir, 'logs', 'svc.log');
  const re = new RegExp(`\\{"pid":(\\d+),"${other}":(\\d+)\\}`);
  return waitFor(() => {
    const m = re.exec(readFileSync(logFile, 'utf8'));
    return m ? { pid: Number(m[1]), other: Number(m[2]) } : undefined;
    // Up to two node starts (the service, then its grandchild), each seen at 8 s on a loaded machine.
  }, { timeoutMs: 2 * PROCESS_START_MS });
}

describe('keep-alive', () => {
  it('restarts a crashed service at once, then with growing delays', async () => {
    td = await startTestDaemon({
      services: [{ name: 'svc', command: exitWith(3, 150), restart: { backoff: { initial: '200ms', multiplier: 2, jitter: 0, max: '5s' }, intensity: { maxRestarts: 50, window: '1m' } } }],
    });
    const t = td;
    await waitFor(() => t.events.filter((e) => e.type === 'service.restart-scheduled').length >= 4, { timeoutMs: 15_000 });
    const delays = t.events.filter((e) => e.type === 'service.restart-scheduled').map((e) => e.details!.delayMs);
    expect(delays.slice(0, 4)).toEqual([0, 200, 400, 800]);
    const exits = t.events.filter((e) => e.type === 'service.exited');
    expect(exits[0]!.details).toMatchObject({ code: 3, expected: false });
    // Every crash belongs to an open incident at level 0. (Without probes "healthy" means up for 1 s from the
    // spawn: on a loaded machine node's own start-up can make a 150 ms run last that long, which resolves the
    // incident, so the next crash may open another one.)
    const opened = t.events.filter((e) => e.type === 'incident.opened');
    expect(opened.length).toBeGreaterThanOrEqual(1);
    expect(opened.every((e) => e.level === 0)).toBe(true);
    expect(exits.every((e) => e.incidentId !== undefined && opened.some((o) => o.incidentId === e.incidentId))).toBe(true);
  });

  it('resets the backoff after a stable uptime', async () => {
    td = await startTestDaemon({
      services: [{ name: 'svc', command: exitWith(1, 700), restart: { stableAfter: '500ms', backoff: { initial: '300ms', jitter: 0 }, intensity: { maxRestarts: 50, window: '1m' } } }],
    });
    const t = td;
    await waitFor(() => t.events.filter((e) => e.type === 'service.restart-scheduled').length >= 3, { timeoutMs: 15_000 });
    const delays = t.events.filter((e) => e.type === 'service.restart-scheduled').map((e) => e.details!.delayMs);
    // Each run lasts 700 ms > stableAfter 500 ms, so every restart is immediate again.
    expect(delays.slice(0, 3)).toEqual([0, 0, 0]);
  });

  it('trips the crash-loop breaker, journals it and stops restarting; resume lets it go again', async () => {
    td = await startTestDaemon({
      services: [{ name: 'svc', command: exitWith(2, 0), restart: { backoff: { initial: '50ms', max: '100ms', jitter: 0 }, intensity: { maxRestarts: 3, window: '30s' } } }],
    });
    const t = td;
    await waitFor(() => t.events.some((e) => e.type === 'breaker.tripped'), { timeoutMs: 15_000 });
    const started = t.events.filter((e) => e.type === 'service.started').length;
    expect(started).toBe(4); // first start + 3 restarts, then the breaker
    await new Promise((r) => setTimeout(r, 600));
    expect(t.events.filter((e) => e.type === 'service.started').length).toBe(started);
    expect(svc(t).status().state).toBe('held');
    const journal = t.journal();
    expect(journal.some((e) => e.type === 'breaker.tripped' && e.service === 'svc')).toBe(true);
    // No doctor or agent configured: the ladder goes to a human.
    expect(journal.some((e) => e.type === 'incident.escalated' && e.level === 4)).toBe(true);
    expect(svc(t).status().incident?.status).toBe('waiting-human');

    await svc(t).resume();
    await waitFor(() => t.events.filter((e) => e.type === 'service.started').length > started, { timeoutMs: 5000 });
    expect(t.events.some((e) => e.type === 'breaker.resumed')).toBe(true);
  });

  it('does not restart blindly on exit code 78 (EX_CONFIG)', async () => {
    td = await startTestDaemon({ services: [{ name: 'svc', command: exitWith(78, 50) }] });
    const t = td;
    await waitFor(() => t.events.some((e) => e.type === 'breaker.tripped'), { timeoutMs: 10_000 });
    await new Promise((r) => setTimeout(r, 500));
    expect(t.events.filter((e) => e.type === 'service.started')).toHaveLength(1);
    const held = svc(t).status().held;
    expect(held?.reason).toBe('config');
  });

  it('kills a SIGTERM-ignoring service and its whole process group after the grace', async () => {
    td = await startTestDaemon({
      services: [{ name: 'svc', command: [NODE, path.join(FIXTURES, 'ignore-sigterm.mjs')], stop: { grace: '700ms' } }],
    });
    const t = td;
    const pids = await loggedPids(t, 'grandchild');
    const began = Date.now();
    await svc(t).stop();
    const took = Date.now() - began;
    expect(isAlive(pids.pid)).toBe(false);
    expect(isAlive(pids.other)).toBe(false);
    expect(took).toBeGreaterThanOrEqual(650);
    expect(svc(t).status().state).toBe('stopped');
  });

  for (const ignoreTerm of [false, true]) {
    it(`a stop reaches a worker that left the service's process group (its own session)${ignoreTerm ? ', with SIGKILL after the grace when it ignores SIGTERM' : ''}`, async () => {
      td = await startTestDaemon({
        services: [{ name: 'svc', command: [NODE, path.join(FIXTURES, 'escape-session.mjs'), ...(ignoreTerm ? ['--ignore-term'] : [])], stop: { grace: '700ms' } }],
      });
      const t = td;
      const pids = await loggedPids(t, 'escaped');
      expect(isAlive(pids.other)).toBe(true);
      await svc(t).stop();
      await waitFor(() => !isAlive(pids.other), { timeoutMs: 5000 });
      expect(isAlive(pids.pid)).toBe(false);
    });
  }

  it('leaves no process behind when the daemon stops', async () => {
    td = await startTestDaemon({
      services: [
        { name: 'a', command: [NODE, path.join(FIXTURES, 'ignore-sigterm.mjs')], stop: { grace: '300ms' } },
        { name: 'b', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] },
      ],
    });
    const t = td;
    await waitFor(() => svc(t, 'a').status().pid && svc(t, 'b').status().pid, { timeoutMs: 5000 });
    const logA = path.join(t.stateDir, 'logs', 'a.log');
    const grandchild = await waitFor(() => /"grandchild":(\d+)/.exec(readFileSync(logA, 'utf8'))?.[1], { timeoutMs: 2 * PROCESS_START_MS });
    const pids = [svc(t, 'a').status().pid!, svc(t, 'b').status().pid!, Number(grandchild)];
    await t.stop();
    td = undefined;
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
  });
});
