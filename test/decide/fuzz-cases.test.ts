// Readable cases the reducer fuzz (fuzz.test.ts) found, minimised: each broke an invariant before its fix.
import { describe, expect, it } from 'vitest';
import { nextWake } from '../../src/decide/decide.js';
import { testPolicy } from './policy-fixture.js';
import { ReducerDrive } from './drive.js';

describe('reducer fuzz cases', () => {
  it("a repair run cancelled by a maintenance leaves a service nothing runs stopped, not held with no hold", () => {
    // Seeds 1919 and 3140 of 4000: a `never` service kept down after its crash, a person's doctor run found nothing, the
    // ladder's agent run held it ("repair"); a maintenance cancelled the run and cleared that hold but left the phase
    // "held": a hold nobody could name, kept after the maintenance ended.
    const agent = { timeBoxMs: 60_000, verifyWindowMs: 5000, budgetRuns: 2, budgetWindowMs: 86_400_000, approval: 'none' as const, approvalTimeoutMs: 60_000 };
    const d = new ReducerDrive(testPolicy({ restartPolicy: 'never', doctorAttempts: 1, agent })).up(0, 10);
    d.at(500, { type: 'exited', pid: 10, code: 1, signal: null, at: 500, statusKnown: true });
    expect(d.state.phase).toBe('stopped');
    d.at(600, { type: 'request', action: 'doctor', by: 'human' });
    d.at(700, { type: 'doctor-done', runId: d.state.work!.id, outcome: 'nothing-found', summary: 'looked' });
    expect(d.state.work?.kind).toBe('agent');
    expect(d.state.phase).toBe('held');
    d.at(800, { type: 'maintenance', on: true, until: 5000, by: 'cli' });
    expect(d.state.work).toBeNull();
    expect(d.state.held).toBeNull();
    expect(d.state.phase).toBe('stopped');
    d.at(5000, { type: 'tick' });
    expect(d.state.maintenance).toBeNull();
    expect(d.state.phase).toBe('stopped');
  });

  it("the cool-down's retry of a Level 4 service still stopping is the cool-down's start, not a person's resume", () => {
    // Seeds 1488 and 2796 of 6000: the start after the stop said reason "resume" (journal, service.started), as if a person acted.
    const d = new ReducerDrive(testPolicy({ doctorAttempts: 1, coolDownMs: 5000, stopGraceMs: 30_000 })).up(0, 10);
    d.at(100, { type: 'healthy', pid: 10 });
    d.at(200, { type: 'unhealthy', pid: 10, probe: 'http', message: 'down' });
    d.at(300, { type: 'exited', pid: 10, code: null, signal: 'SIGTERM', at: 300, statusKnown: true });
    d.at(400, { type: 'started', instance: { pid: 11, pidStartTime: 1, startedAt: 400 }, reason: 'probe' });
    d.at(500, { type: 'request', action: 'doctor', by: 'human' });
    d.at(600, { type: 'doctor-done', runId: d.state.work!.id, outcome: 'not-fixed', summary: 'no luck' });
    expect(d.state.incident?.status).toBe('waiting-human');
    expect(d.state.phase).toBe('stopping');
    const pid = d.state.instance!.pid;
    d.at(10_000, { type: 'tick' });
    d.at(11_000, { type: 'exited', pid, code: null, signal: 'SIGTERM', at: 11_000, statusKnown: true });
    expect(d.last.filter((e) => e.type === 'start')).toEqual([{ type: 'start', reason: 'cool-down' }]);
  });

  it('a singleton that exited while its lease had lapsed starts again when the same lease is renewed (no tick in between)', () => {
    // Seeds 2807, 3309 and 3480 of 6000: a paused daemon hears the exit, then the late renewal, then the tick at the
    // old deadline. The exit was not restarted (not ours to run then), the renewal was "no news", and nothing started it:
    // the member holding the lease ran nothing, and every other member stood by.
    const d = new ReducerDrive(testPolicy());
    d.at(0, { type: 'placement', active: true, token: 5, holder: 'me', stopBy: 5000, killBy: 7000 });
    d.at(0, { type: 'boot', adopted: null });
    d.at(10, { type: 'started', instance: { pid: 10, pidStartTime: 1, startedAt: 10 }, reason: 'placement' });
    d.at(5200, { type: 'exited', pid: 10, code: 1, signal: null, at: 5200, statusKnown: true });
    expect(d.types()).toEqual([]);
    const before = d.effects.length;
    d.at(5300, { type: 'placement', active: true, token: 5, holder: 'me', stopBy: 10_000, killBy: 12_000 });
    d.at(5400, { type: 'tick' });
    const starts = d.effects.slice(before).filter((e) => e.type === 'start');
    expect(starts).toEqual([{ type: 'start', reason: 'placement', fencingToken: 5 }]);
    expect(d.state.phase).toBe('starting');
  });

  it("a Level 4 hold lifted while its stop is under way (a person's doctor run fixed it) starts the service once the stop ends", () => {
    // Seeds 2274 and 3072 of 6000: the hold's stop outlived the hold; the exit then left it stopped, unheld, and nothing started it.
    const d = new ReducerDrive(testPolicy({ doctorAttempts: 1, stopGraceMs: 30_000 })).up(0, 10);
    d.at(100, { type: 'healthy', pid: 10 });
    d.at(200, { type: 'unhealthy', pid: 10, probe: 'http', message: 'down' });
    d.at(300, { type: 'exited', pid: 10, code: null, signal: 'SIGTERM', at: 300, statusKnown: true });
    d.at(400, { type: 'started', instance: { pid: 11, pidStartTime: 1, startedAt: 400 }, reason: 'probe' });
    d.at(500, { type: 'request', action: 'doctor', by: 'human' });
    d.at(600, { type: 'doctor-done', runId: d.state.work!.id, outcome: 'not-fixed', summary: 'no luck' });
    // Level 4: the instance is stopped (a slow stop: 30 s of grace) to be held.
    expect(d.state.incident?.status).toBe('waiting-human');
    expect(d.state.afterStop).toEqual({ then: 'hold' });
    // During that stop a person runs the doctor, and it repairs the cause: the hold is lifted, a restart is announced.
    d.at(700, { type: 'request', action: 'doctor', by: 'human' });
    d.at(800, { type: 'doctor-done', runId: d.state.work!.id, outcome: 'fixed', summary: 'freed the port' });
    expect(d.state.held).toBeNull();
    expect(d.events('incident.action').some((e) => (e.details as { action?: string }).action === 'restart-after-doctor')).toBe(true);
    const before = d.effects.length;
    d.at(20_000, { type: 'exited', pid: 11, code: null, signal: 'SIGTERM', at: 20_000, statusKnown: true });
    d.at(25_000, { type: 'tick' });
    expect(d.types(d.effects.slice(before))).toContain('start');
    expect(d.state.phase).toBe('starting');
  });

  it("the cool-down never undoes a person's stop of a Level 4 service (maintenance on and off meanwhile)", () => {
    const d = new ReducerDrive(testPolicy({ doctorAttempts: 0, coolDownMs: 60_000 })).up(0, 10);
    d.at(100, { type: 'exited', pid: 10, code: 78, signal: null, at: 100, statusKnown: true });
    expect(d.state.incident?.status).toBe('waiting-human');
    d.at(200, { type: 'request', action: 'stop', by: 'human' });
    d.at(300, { type: 'maintenance', on: true, until: 1000, by: 'cli' });
    d.at(1000, { type: 'tick' });
    expect(d.state.maintenance).toBeNull();
    expect(d.events('maintenance.ended')[0]!.message).not.toContain('cool-down');
    expect(nextWake(d.state, d.p)).toBeNull();
    d.at(61_000, { type: 'tick' });
    expect(d.types()).toEqual([]);
    expect(d.state.desired).toBe('down');
  });

  it("a Level 4 reached after a person's stop arms no cool-down that would start it", () => {
    // The start was under way when the person stopped it; its preflight then failed and the ladder ran out.
    const d = new ReducerDrive(testPolicy({ doctorAttempts: 0, coolDownMs: 60_000 }));
    d.at(0, { type: 'boot', adopted: null });
    expect(d.types()).toEqual(['start']);
    d.at(100, { type: 'request', action: 'stop', by: 'human' });
    const before = d.effects.length;
    d.at(200, { type: 'preflight-failed', problem: 'port 8080 is held' });
    d.at(61_000, { type: 'tick' });
    d.at(200_000, { type: 'tick' });
    expect(d.types(d.effects.slice(before))).not.toContain('start');
    expect(d.state.desired).toBe('down');
  });

  it.each([
    ['a late renewal confirms the same lease', 5],
    ['it wins a new lease', 6],
  ])('a singleton fenced while its lease holds after all (%s) starts again once the fenced instance exited', (_why, token) => {
    const d = new ReducerDrive(testPolicy());
    d.at(0, { type: 'placement', active: true, token: 5, holder: 'me', stopBy: 5000, killBy: 7000 });
    d.at(0, { type: 'boot', adopted: null });
    d.at(10, { type: 'started', instance: { pid: 10, pidStartTime: 1, startedAt: 10 }, reason: 'placement' });
    // A renewal missed its deadline: the member fences itself (stops its instance), then wins the lease again.
    d.at(5000, { type: 'tick' });
    expect(d.types()).toEqual(['stop']);
    d.at(5100, { type: 'placement', active: true, token, holder: 'me', stopBy: 10_000, killBy: 12_000 });
    d.at(5300, { type: 'exited', pid: 10, code: null, signal: 'SIGTERM', at: 5300, statusKnown: true });
    // It holds the lease (every other member stands by): it must run it, with the lease's token.
    expect(d.last.filter((e) => e.type === 'start')).toEqual([{ type: 'start', reason: 'placement', fencingToken: token }]);
    expect(d.state.phase).toBe('starting');
  });

  it('a lease lost again before the fenced instance exited leaves it stopped', () => {
    const d = new ReducerDrive(testPolicy());
    d.at(0, { type: 'placement', active: true, token: 5, holder: 'me', stopBy: 5000, killBy: 7000 });
    d.at(0, { type: 'boot', adopted: null });
    d.at(10, { type: 'started', instance: { pid: 10, pidStartTime: 1, startedAt: 10 }, reason: 'placement' });
    d.at(5000, { type: 'tick' });
    d.at(5100, { type: 'placement', active: true, token: 6, holder: 'me', stopBy: 10_000, killBy: 12_000 });
    d.at(5200, { type: 'placement', active: false, holder: 'other' });
    d.at(5300, { type: 'exited', pid: 10, code: null, signal: 'SIGTERM', at: 5300, statusKnown: true });
    expect(d.types()).toEqual([]);
    expect(d.state.phase).toBe('stopped');
  });

  it("a start a person stopped while under way, then refused by its preflight, opens no incident and pages nobody", () => {
    const d = new ReducerDrive(testPolicy({ doctorAttempts: 0 }));
    d.at(0, { type: 'boot', adopted: null });
    d.at(100, { type: 'request', action: 'stop', by: 'human' });
    d.at(200, { type: 'preflight-failed', problem: 'port 8080 is held' });
    expect(d.state.incident).toBeNull();
    expect(d.state.held).toBeNull();
    expect(d.state.phase).toBe('stopped');
    expect(d.events('breaker.tripped')).toEqual([]);
    expect(d.events('incident.escalated')).toEqual([]);
    expect(d.events('service.stopped')).toHaveLength(1);
  });

  it('a start a person stopped while under way, then failing to spawn, leaves no incident open on the stopped service', () => {
    const d = new ReducerDrive(testPolicy());
    d.at(0, { type: 'boot', adopted: null });
    d.at(100, { type: 'request', action: 'stop', by: 'human' });
    d.at(200, { type: 'start-failed', error: 'spawn ENOENT' });
    expect(d.state.incident).toBeNull();
    expect(d.state.phase).toBe('stopped');
    expect(d.events('incident.opened')).toEqual([]);
    expect(nextWake(d.state, d.p)).toBeNull();
  });

  // Found by the fuzz: restartRequest kept a stop's non-start follow-up ('stay' of a person's stop, 'hold' of Level 4),
  // so the restart was dropped and the service stayed down with desired 'up' and nothing holding it.
  it("a person's restart while their own stop is still under way starts the service once it exited", () => {
    const d = new ReducerDrive(testPolicy()).up(0, 10);
    d.at(100, { type: 'request', action: 'stop', by: 'human' });
    expect(d.types()).toEqual(['stop']);
    d.at(200, { type: 'request', action: 'restart', by: 'human' });
    d.at(900, { type: 'exited', pid: 10, code: null, signal: 'SIGTERM', at: 900, statusKnown: true });
    expect(d.state.desired).toBe('up');
    expect(d.types()).toEqual(['start']);
  });
});
