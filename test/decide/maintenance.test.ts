// Issue 25 in the reducer: while in maintenance no automatic actor acts (probe, prediction, group peer, the ladder),
// a person still can; alerts carry the maintenance mark; a still-unhealthy instance is healed when it ends.
import { describe, expect, it } from 'vitest';
import type { ServicePolicy } from '../../src/decide/policy.js';
import { testPolicy } from './policy-fixture.js';
import { ReducerDrive } from './drive.js';

const AGENT = { timeBoxMs: 60_000, verifyWindowMs: 5000, budgetRuns: 2, budgetWindowMs: 86_400_000, approval: 'none' as const, approvalTimeoutMs: 60_000 };

class Drive extends ReducerDrive {
  acts(list = this.last): string[] {
    return this.types(list);
  }
}

function inMaintenance(p: ServicePolicy = testPolicy({ agent: AGENT })): Drive {
  return new Drive(p).up(0, 10).at(100, { type: 'maintenance', on: true, until: 100_000, reason: 'editing', by: 'cli:ann' });
}

describe('maintenance in the reducer', () => {
  it('no automatic actor acts: unhealthy verdicts, predictions, group peers', () => {
    const d = inMaintenance();
    d.at(200, { type: 'unhealthy', pid: 10, probe: 'http', message: 'down', finding: 'down' });
    expect(d.acts()).toEqual([]);
    d.at(300, { type: 'unhealthy', pid: 10, probe: 'memory', message: 'over', finding: 'memory-limit' });
    expect(d.acts()).toEqual([]);
    d.at(400, { type: 'request', action: 'restart', by: 'prediction' });
    expect(d.acts()).toEqual([]);
    d.at(500, { type: 'request', action: 'restart', by: 'group' });
    expect(d.acts()).toEqual([]);
    expect(d.state.incident).toBeNull();
    // Each warning is marked, so a channel in incident mode sends it on its own.
    expect(d.events('service.unhealthy').every((e) => e.details?.maintenance === true)).toBe(true);
  });

  it('a person may still start it; exits (even 78) and failed starts during maintenance open no incident and restart nothing', () => {
    const d = inMaintenance();
    d.at(200, { type: 'exited', pid: 10, code: 1, signal: null, at: 200, statusKnown: true });
    expect(d.acts()).toEqual([]);
    expect(d.events('service.exited').at(-1)!.details?.maintenance).toBe(true);
    // The person starts it again; it is unhealthy, then exits 78, then cannot start: reported, nothing acts.
    d.at(300, { type: 'request', action: 'start', by: 'human' });
    expect(d.acts()).toEqual(['start']);
    d.at(400, { type: 'started', instance: { pid: 11, pidStartTime: 1, startedAt: 400 }, reason: 'manual' });
    d.at(500, { type: 'unhealthy', pid: 11, probe: 'http', message: 'down', finding: 'down' });
    expect(d.acts()).toEqual([]);
    d.at(600, { type: 'exited', pid: 11, code: 78, signal: null, at: 600, statusKnown: true });
    expect(d.state.incident).toBeNull();
    d.at(700, { type: 'request', action: 'start', by: 'human' });
    d.at(800, { type: 'start-failed', error: 'no such file' });
    expect(d.acts()).toEqual([]);
    expect(d.state.incident).toBeNull();
  });

  it('the ladder does not climb during maintenance: a doctor that fails does not launch the agent', () => {
    // An incident open at Level 2 with a doctor in flight when a person turns maintenance on, then asks for the doctor again.
    const d = new Drive(testPolicy({ agent: AGENT, doctorAttempts: 1 })).up(0, 10);
    d.at(100, { type: 'exited', pid: 10, code: 78, signal: null, at: 100, statusKnown: true });
    expect(d.state.work?.kind).toBe('doctor');
    d.at(200, { type: 'maintenance', on: true, until: null, reason: '', by: 'cli:ann' });
    expect(d.state.work).toBeNull();
    expect(d.acts()).toEqual(['cancel-work']);
    d.at(300, { type: 'request', action: 'doctor', by: 'human' });
    expect(d.acts()).toEqual(['run-doctor']);
    d.at(400, { type: 'doctor-done', runId: d.state.work!.id, outcome: 'not-fixed', summary: 'nothing helped' });
    expect(d.acts()).toEqual([]);
    expect(d.state.work).toBeNull();
    expect(d.events('agent.started')).toHaveLength(0);
    expect(d.events('incident.escalated')).toHaveLength(0);
    expect(d.events('incident.action').at(-1)!.details?.action).toBe('maintenance-no-climb');
  });

  it('when it ends with the instance still judged unhealthy, healing acts at once (no probe repeats its verdict)', () => {
    const d = inMaintenance();
    d.at(200, { type: 'unhealthy', pid: 10, probe: 'http', message: 'down', finding: 'down' });
    d.at(300, { type: 'maintenance', on: false, by: 'cli:ann' });
    expect(d.acts()).toEqual(['stop']);
    expect(d.state.incident?.reason).toContain('still unhealthy when maintenance ended');
    // Healthy at the end: nothing to do.
    const e = inMaintenance();
    e.at(200, { type: 'unhealthy', pid: 10, probe: 'http', message: 'down', finding: 'down' });
    e.at(250, { type: 'healthy', pid: 10 });
    e.at(300, { type: 'maintenance', on: false, by: 'the deadline' });
    expect(e.acts()).toEqual([]);
    expect(e.state.incident).toBeNull();
  });

  it('a cluster singleton that wins its lease during maintenance is not started; it starts when maintenance ends', () => {
    const d = new Drive(testPolicy());
    d.at(0, { type: 'placement', active: false, holder: null, reason: 'waiting for the election' });
    d.at(0, { type: 'boot', adopted: null });
    expect(d.acts()).toEqual([]);
    d.at(100, { type: 'maintenance', on: true, until: null, reason: '', by: 'cli:ann' });
    d.at(200, { type: 'placement', active: true, token: 7, holder: 'a', stopBy: 60_000, killBy: 65_000 });
    expect(d.acts()).toEqual([]);
    d.at(300, { type: 'maintenance', on: false, by: 'cli:ann' });
    expect(d.acts()).toEqual(['start']);
  });
});
