// The start-up window (startup.timeout, Kubernetes' startupProbe) is the reducer's: it opens at each start, closes at the
// first healthy verdict, and when it runs out first the start is judged failed and restarted, on the injected clock.
import { describe, expect, it } from 'vitest';
import { nextWake } from '../../src/decide/decide.js';
import { normalizeState } from '../../src/decide/service-state.js';
import { testPolicy } from './policy-fixture.js';
import { ReducerDrive } from './drive.js';

const policy = testPolicy({ startupWindowMs: 300_000, intensity: { maxRestarts: 10, window: 3_600_000 } });

describe('the start-up window', () => {
  it('opens at the start, says so, and wakes the reducer at its end', () => {
    const d = new ReducerDrive(policy).up(1000, 10);
    expect(d.state.startup).toEqual({ since: 1000, until: 301_000 });
    expect(d.events('service.started').at(-1)?.message).toContain('starting: waiting for first healthy check, 0 s of 300 s');
    expect(nextWake(d.state, d.p)).toBe(301_000);
  });

  it('closes at the first healthy verdict: no restart, however long it took within the window', () => {
    const d = new ReducerDrive(policy).up(0, 10);
    d.at(95_000, { type: 'healthy', pid: 10 });
    expect(d.state.startup).toBeUndefined();
    expect(d.events('service.healthy').at(-1)?.message).toContain('first healthy check 95 s after the start, within its start-up window of 300 s');
    d.at(400_000, { type: 'tick' });
    expect(d.types()).toEqual([]);
    expect(d.state.restartsTotal).toBe(0);
  });

  it('running out first is a failed start: an incident and a counted restart, only at its end', () => {
    const d = new ReducerDrive(policy).up(0, 10);
    d.at(299_999, { type: 'tick' });
    expect(d.types()).toEqual([]);
    d.at(300_000, { type: 'tick' });
    expect(d.types()).toEqual(['stop']);
    expect(d.events('service.unhealthy').at(-1)?.message).toContain('starting: waiting for first healthy check, 300 s of 300 s');
    expect(d.state.incident?.reason).toContain('no healthy check within its start-up window');
    expect(d.state.incident?.firstSignalAt).toBe(0);
    d.at(300_100, { type: 'exited', pid: 10, code: null, signal: 'SIGTERM', at: 300_100, statusKnown: true });
    expect(d.state.startup).toBeUndefined();
    expect(d.types()).toEqual(['start']);
    // The next start opens a window of its own.
    d.at(300_200, { type: 'started', instance: { pid: 11, pidStartTime: 1, startedAt: 300_200 }, reason: 'probe' });
    expect(d.state.startup).toEqual({ since: 300_200, until: 600_200 });
  });

  it('in maintenance nothing acts when it runs out; a wall-clock step moves it; a new daemon keeps the adopted instance its own window', () => {
    const m = new ReducerDrive(policy).up(0, 10);
    m.at(1, { type: 'maintenance', on: true, by: 'cli:test' });
    m.at(300_000, { type: 'tick' });
    expect(m.types()).toEqual([]);
    expect(m.state.startup).toBeUndefined();

    const c = new ReducerDrive(policy).up(0, 10);
    c.at(10, { type: 'clock-stepped', byMs: 60_000 });
    expect(c.state.startup).toEqual({ since: 60_000, until: 360_000 });
    c.at(359_999, { type: 'tick' });
    expect(c.types()).toEqual([]);

    const b = new ReducerDrive(policy).up(0, 10);
    const { incident, ...record } = JSON.parse(JSON.stringify(b.state)) as typeof b.state;
    b.state = normalizeState(record, incident, 'up');
    expect(b.state.startup).toBeUndefined();
    b.at(50_000, { type: 'boot', adopted: { pid: 10, pidStartTime: 1, startedAt: 0 } });
    // Anchored at the instance's start, not the new daemon's boot (it re-opened as { since: 50 000, until: 350 000 }).
    expect(b.state.startup).toEqual({ since: 0, until: 300_000 });

    // Past its window at the adoption: none open, nothing decided until its probes judge it (no instant restart).
    const late = new ReducerDrive(policy).up(0, 10);
    const saved = JSON.parse(JSON.stringify(late.state)) as typeof late.state;
    late.state = normalizeState(saved, saved.incident, 'up');
    late.at(300_001, { type: 'boot', adopted: { pid: 10, pidStartTime: 1, startedAt: 0 } });
    expect(late.state.startup).toBeUndefined();
    expect(late.types().filter((t) => t === 'service.unhealthy' || t === 'service.restarting')).toEqual([]);

    // Came up before the daemon restart (recorded): no window again.
    const up = new ReducerDrive(policy).up(0, 10);
    up.at(5_000, { type: 'healthy', pid: 10 });
    const rec = JSON.parse(JSON.stringify(up.state)) as typeof up.state;
    up.state = normalizeState(rec, rec.incident, 'up');
    up.at(20_000, { type: 'boot', adopted: { pid: 10, pidStartTime: 1, startedAt: 0 } });
    expect(up.state.startup).toBeUndefined();
    expect(up.state.cameUpAt).toBe(5_000);
  });

  it('without startup.timeout nothing changes: no window, no wake for one', () => {
    const d = new ReducerDrive(testPolicy()).up(0, 10);
    expect(d.state.startup).toBeUndefined();
    expect(nextWake(d.state, d.p)).toBeNull();
    expect(d.events('service.started').at(-1)?.message).toBe('gw started (pid 10)');
  });
});
