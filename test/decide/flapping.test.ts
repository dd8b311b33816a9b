// A flapping service (healthy a moment after each start, then down again) is one incident, not one per crash.
import { describe, expect, it } from 'vitest';
import { nextWake } from '../../src/decide/decide.js';
import { testPolicy } from './policy-fixture.js';
import { ReducerDrive } from './drive.js';

/** The instance dies `lifeMs` after each start and is judged healthy `healthyAfterMs` after it; returns the drive. */
function crashLoop(crashes: number, lifeMs = 1500, healthyAfterMs = 300): ReducerDrive {
  const d = new ReducerDrive(testPolicy({ backoff: { initial: 100, max: 1000, multiplier: 2, jitter: 0 }, intensity: { maxRestarts: 5, window: 60_000 }, doctorAttempts: 0 }));
  let now = 0;
  let pid = 10;
  d.up(now, pid);
  for (let i = 0; i < crashes; i++) {
    d.at(now + healthyAfterMs, { type: 'healthy', pid });
    now += lifeMs;
    d.at(now, { type: 'exited', pid, code: 1, signal: null, at: now, statusKnown: true });
    if (d.state.held) break;
    if (d.state.phase === 'backoff') {
      now = d.state.nextStartAt!;
      d.at(now, { type: 'tick' });
    }
    pid++;
    d.at(now, { type: 'started', instance: { pid, pidStartTime: 1, startedAt: now }, reason: 'exit' });
  }
  return d;
}

describe('a crash loop is one incident', () => {
  it('crashes soon after each healthy start stay in the incident the first crash opened, up to the breaker', () => {
    const d = crashLoop(10);
    expect(d.events('incident.opened')).toHaveLength(1);
    expect(d.events('incident.resolved')).toHaveLength(0);
    expect(d.state.held?.reason).toBe('crash-loop');
    const id = d.events('incident.opened')[0]!.incidentId;
    expect(d.events('incident.escalated').map((e) => e.incidentId)).toEqual([id]);
    // every exit of the loop belongs to that one incident (one thread, one alert per step)
    expect(new Set(d.events('service.exited').map((e) => e.incidentId))).toEqual(new Set([id]));
  });

  it('one crash then health that holds: resolved after the confirm time, TTR from the exit to the first healthy verdict', () => {
    const d = new ReducerDrive(testPolicy({ confirmAfterMs: 2000 })).up(0, 10);
    d.at(5000, { type: 'exited', pid: 10, code: 1, signal: null, at: 5000, statusKnown: true });
    d.at(5000, { type: 'started', instance: { pid: 11, pidStartTime: 1, startedAt: 5000 }, reason: 'exit' });
    d.at(5400, { type: 'healthy', pid: 11 });
    expect(d.state.incident).not.toBeNull();
    expect(nextWake(d.state, d.p)).toBe(7400);
    d.at(7400, { type: 'tick' });
    expect(d.state.incident).toBeNull();
    expect(d.events('incident.resolved')).toHaveLength(1);
    expect(d.events('incident.resolved')[0]!.details).toMatchObject({ ttrMs: 400, highestLevel: 0, outcome: 'auto-resolved' });
  });

  it('recovered, then stopped by a person before the confirm time: resolved at the stop (TTR to the healthy verdict), not left open', () => {
    const d = new ReducerDrive(testPolicy({ confirmAfterMs: 5000 })).up(0, 10);
    d.at(5000, { type: 'exited', pid: 10, code: 1, signal: null, at: 5000, statusKnown: true });
    d.at(5000, { type: 'started', instance: { pid: 11, pidStartTime: 1, startedAt: 5000 }, reason: 'exit' });
    d.at(5400, { type: 'healthy', pid: 11 });
    d.at(6000, { type: 'request', action: 'stop', by: 'human' });
    expect(d.state.incident).toBeNull();
    expect(d.events('incident.resolved')[0]!.details).toMatchObject({ ttrMs: 400, outcome: 'auto-resolved' });
    d.at(6100, { type: 'exited', pid: 11, code: 0, signal: null, at: 6100, statusKnown: true });
    expect(d.events('service.stopped')).toHaveLength(1);
    expect(nextWake(d.state, d.p)).toBeNull();
  });

  it('still crash-looping (not recovered) when a person stops it: the incident stays open', () => {
    const d = new ReducerDrive(testPolicy()).up(0, 10);
    d.at(5000, { type: 'exited', pid: 10, code: 1, signal: null, at: 5000, statusKnown: true });
    d.at(5000, { type: 'started', instance: { pid: 11, pidStartTime: 1, startedAt: 5000 }, reason: 'exit' });
    d.at(5100, { type: 'request', action: 'stop', by: 'human' });
    expect(d.state.incident).not.toBeNull();
    expect(d.events('incident.resolved')).toHaveLength(0);
  });

  it('a probe that flaps (unhealthy, restart, healthy, unhealthy again within the confirm time) stays one incident', () => {
    const d = new ReducerDrive(testPolicy({ confirmAfterMs: 5000, doctorAttempts: 0, intensity: { maxRestarts: 3, window: 60_000 } })).up(0, 10);
    let pid = 10;
    let now = 0;
    for (let i = 0; i < 4 && !d.state.held; i++) {
      d.at(now + 100, { type: 'healthy', pid });
      now += 2000;
      d.at(now, { type: 'unhealthy', pid, probe: 'http', message: '500' });
      if (d.state.afterStop?.then !== 'start') break;
      d.at(now + 10, { type: 'exited', pid, code: null, signal: 'SIGTERM', at: now + 10, statusKnown: true });
      pid++;
      d.at(now + 20, { type: 'started', instance: { pid, pidStartTime: 1, startedAt: now + 20 }, reason: 'probe' });
    }
    expect(d.events('incident.opened')).toHaveLength(1);
    expect(d.events('incident.resolved')).toHaveLength(0);
    expect(d.state.held?.reason).toBe('crash-loop');
  });
});
