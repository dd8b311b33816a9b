// A person's stop/start/restart in the middle of the ladder's work, as the exact event sequences the daemon sends.
import { describe, expect, it } from 'vitest';
import { testPolicy } from './policy-fixture.js';
import { ReducerDrive } from './drive.js';

/** A crash loop in its backoff: boot, then exits (each restarted) until a restart waits `attempts` deep in the backoff. */
function inBackoff(attempts: number): { d: ReducerDrive; now: number } {
  const d = new ReducerDrive(testPolicy({ intensity: { maxRestarts: 20, window: 600_000 }, backoff: { initial: 1000, max: 60_000, multiplier: 4, jitter: 0 } }));
  let now = 0;
  let pid = 100;
  d.at(now, { type: 'boot', adopted: null });
  for (let i = 0; i < 20 && d.state.backoffAttempt < attempts; i++) {
    if (d.state.phase === 'backoff') d.at((now = d.state.nextStartAt!), { type: 'tick' });
    d.at(now, { type: 'started', instance: { pid: ++pid, pidStartTime: 1, startedAt: now }, reason: 'exit' });
    now += 300;
    d.at(now, { type: 'exited', pid, code: 1, signal: null, at: now, statusKnown: true });
  }
  expect(d.state.phase).toBe('backoff');
  return { d, now };
}

describe('a person stops a crash loop during its backoff', () => {
  it('the open Level 0 incident is closed by the stop (not left open for ever)', () => {
    const { d, now } = inBackoff(3);
    const id = d.state.incident!.id;
    d.at(now + 100, { type: 'request', action: 'stop', by: 'human' });
    expect(d.state.phase).toBe('stopped');
    expect(d.state.incident).toBeNull();
    const closed = d.events('incident.resolved');
    expect(closed).toHaveLength(1);
    expect(closed[0]!.incidentId).toBe(id);
    expect(closed[0]!.details).toMatchObject({ closedBy: 'stop', outcome: 'human-resolved', highestLevel: 0 });
  });

  it('a later start is immediate and its first exit is restarted at once, with a fresh restart window', () => {
    const { d, now: t0 } = inBackoff(3);
    let now = t0 + 100;
    d.at(now, { type: 'request', action: 'stop', by: 'human' });
    d.at((now += 1000), { type: 'request', action: 'start', by: 'human' });
    expect(d.types()).toEqual(['start']);
    expect(d.state.backoffAttempt).toBe(0);
    expect(d.state.restartHistory).toEqual([]);
    d.at(now, { type: 'started', instance: { pid: 900, pidStartTime: 1, startedAt: now }, reason: 'manual' });
    d.at((now += 300), { type: 'exited', pid: 900, code: 1, signal: null, at: now, statusKnown: true });
    expect(d.types()).toEqual(['start']);
    expect(d.state.phase).toBe('starting');
  });

  it('a start while the loop waits out its backoff (no stop) also starts afresh', () => {
    const { d, now } = inBackoff(3);
    d.at(now + 100, { type: 'request', action: 'start', by: 'human' });
    expect(d.types()).toEqual(['start']);
    expect(d.state.backoffAttempt).toBe(0);
  });

  it('a stop at Level 4 keeps the incident that waits for the person (their resume reopens it)', () => {
    const d = new ReducerDrive(testPolicy({ doctorAttempts: 0, intensity: { maxRestarts: 1, window: 60_000 } }));
    let now = 0;
    d.at(now, { type: 'boot', adopted: null });
    for (let pid = 1; pid < 6 && d.state.phase === 'starting'; pid++) {
      d.at(now, { type: 'started', instance: { pid, pidStartTime: 1, startedAt: now }, reason: 'exit' });
      d.at((now += 100), { type: 'exited', pid, code: 1, signal: null, at: now, statusKnown: true });
      if ((d.state.phase as string) === 'backoff') d.at((now = d.state.nextStartAt!), { type: 'tick' });
    }
    expect(d.state.incident?.status).toBe('waiting-human');
    d.at((now += 10), { type: 'request', action: 'stop', by: 'human' });
    expect(d.state.incident?.status).toBe('waiting-human');
    expect(d.events('incident.resolved')).toHaveLength(0);
  });
});

describe('two restart requests of a person while one restart is under way', () => {
  it('are one restart: one stop, one start, counted and announced once', () => {
    const d = new ReducerDrive(testPolicy());
    d.up(0, 10);
    const before = d.state.restartsTotal;
    d.at(1000, { type: 'request', action: 'restart', by: 'human' });
    expect(d.types()).toEqual(['stop']);
    d.at(1010, { type: 'request', action: 'restart', by: 'human' });
    expect(d.types()).toEqual([]);
    d.at(1500, { type: 'exited', pid: 10, code: null, signal: 'SIGTERM', at: 1500, statusKnown: true });
    expect(d.types()).toEqual(['start']);
    expect(d.state.restartsTotal).toBe(before + 1);
    expect(d.events('service.restarting')).toHaveLength(1);
    expect(d.effects.filter((e) => e.type === 'stop')).toHaveLength(1);
    expect(d.effects.filter((e) => e.type === 'start').length).toBe(2); // the boot's and the restart's
  });

  it('stops and restarts interleaved while it goes down (20 API requests at once) are one restart, and the last word stands', () => {
    const d = new ReducerDrive(testPolicy());
    d.up(0, 10);
    const before = d.state.restartsTotal;
    let t = 1000;
    for (let i = 0; i < 5; i++) {
      d.at(t++, { type: 'request', action: 'stop', by: 'human' });
      d.at(t++, { type: 'request', action: 'restart', by: 'human' });
    }
    expect(d.state.restartsTotal).toBe(before + 1);
    expect(d.events('service.restarting')).toHaveLength(1);
    d.at(1500, { type: 'exited', pid: 10, code: null, signal: 'SIGTERM', at: 1500, statusKnown: true });
    expect(d.types()).toEqual(['start']);
    expect(d.effects.filter((e) => e.type === 'stop')).toHaveLength(1);
  });

  it('a stop then a restart of a running service is one restart (counted once), and a last stop keeps it down', () => {
    const d = new ReducerDrive(testPolicy());
    d.up(0, 10);
    const before = d.state.restartsTotal;
    d.at(1000, { type: 'request', action: 'stop', by: 'human' });
    d.at(1001, { type: 'request', action: 'restart', by: 'human' });
    d.at(1002, { type: 'request', action: 'stop', by: 'human' });
    expect(d.state.restartsTotal).toBe(before + 1);
    d.at(1500, { type: 'exited', pid: 10, code: null, signal: 'SIGTERM', at: 1500, statusKnown: true });
    expect(d.types()).toEqual([]);
    expect(d.state.phase).toBe('stopped');
  });

  it('a restart after the first one finished is a second restart', () => {
    const d = new ReducerDrive(testPolicy());
    d.up(0, 10);
    d.at(1000, { type: 'request', action: 'restart', by: 'human' });
    d.at(1500, { type: 'exited', pid: 10, code: null, signal: 'SIGTERM', at: 1500, statusKnown: true });
    d.at(1600, { type: 'started', instance: { pid: 11, pidStartTime: 1, startedAt: 1600 }, reason: 'manual' });
    d.at(2000, { type: 'request', action: 'restart', by: 'human' });
    expect(d.types()).toEqual(['stop']);
    expect(d.state.restartsTotal).toBe(2);
    expect(d.events('service.restarting')).toHaveLength(2);
  });
});

describe('maintenance asked for while a failed agent run is reverted, over before the revert is', () => {
  it('the service is started once the files are back (not left stopped, wanted up, with nothing to start it)', () => {
    const agent = { timeBoxMs: 60_000, verifyWindowMs: 5000, budgetRuns: 3, budgetWindowMs: 86_400_000, approval: 'none' as const, approvalTimeoutMs: 60_000 };
    const d = new ReducerDrive(testPolicy({ doctorAttempts: 0, intensity: { maxRestarts: 1, window: 60_000 }, agent }));
    let now = 0;
    d.at(now, { type: 'boot', adopted: null });
    for (let pid = 1; pid < 6 && d.state.phase === 'starting'; pid++) {
      d.at(now, { type: 'started', instance: { pid, pidStartTime: 1, startedAt: now }, reason: 'exit' });
      d.at((now += 100), { type: 'exited', pid, code: 1, signal: null, at: now, statusKnown: true });
      if ((d.state.phase as string) === 'backoff') d.at((now = d.state.nextStartAt!), { type: 'tick' });
    }
    const run = d.state.work!;
    expect(run.kind).toBe('agent');
    d.at((now += 1000), { type: 'agent-done', runId: run.id, outcome: 'failed', summary: 'no', detail: 'could not fix it' });
    expect(d.state.work?.kind).toBe('revert');
    d.at((now += 100), { type: 'maintenance', on: true, until: now + 1000, by: 'cli' });
    d.at((now += 1000), { type: 'tick' });
    expect(d.state.maintenance).toBeNull();
    d.at((now += 100), { type: 'agent-reverted', runId: run.id });
    expect(d.state.work).toBeNull();
    expect(d.types()).toEqual(['start']);
    expect(d.state.phase).toBe('starting');
  });
});
