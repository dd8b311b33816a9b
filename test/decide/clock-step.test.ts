// A step of the wall clock (NTP, `date -s`) changes no wait, window or time-box: the reducer's times move with it.
import { describe, expect, it } from 'vitest';
import { testPolicy } from './policy-fixture.js';
import { ReducerDrive } from './drive.js';

const HOUR = 3_600_000;

const crash = (d: ReducerDrive, now: number): ReducerDrive => d.at(now, { type: 'exited', pid: d.state.instance!.pid, code: 1, signal: null, at: now, statusKnown: true });

describe('clock-stepped', () => {
  it('set back an hour during a backoff: the restart is due after the same wait, not an hour later', () => {
    const d = new ReducerDrive(testPolicy()).up(0, 10);
    crash(d, 100); // immediate restart
    d.at(150, { type: 'started', instance: { pid: 11, pidStartTime: 1, startedAt: 150 }, reason: 'exit' });
    crash(d, 200); // now a backoff of 100 ms
    expect(d.state.phase).toBe('backoff');
    const due = d.state.nextStartAt!;
    // 50 ms later the wall clock reads an hour earlier.
    d.at(250 - HOUR, { type: 'clock-stepped', byMs: -HOUR });
    expect(d.state.nextStartAt).toBe(due - HOUR);
    d.at(due - HOUR, { type: 'tick' });
    expect(d.state.phase).toBe('starting');
    expect(d.types()).toEqual(['start']);
  });

  it('set back: the restart history still counts, so the crash-loop breaker still trips', () => {
    const d = new ReducerDrive(testPolicy({ backoff: { initial: 0, max: 0, multiplier: 1, jitter: 0 } })).up(0, 10);
    let pid = 10;
    for (let i = 0; i < 3; i++) {
      crash(d, 100 + i * 100);
      d.at(150 + i * 100, { type: 'started', instance: { pid: ++pid, pidStartTime: 1, startedAt: 150 + i * 100 }, reason: 'exit' });
    }
    expect(d.state.restartHistory).toHaveLength(3);
    d.at(460 - HOUR, { type: 'clock-stepped', byMs: -HOUR });
    crash(d, 500 - HOUR);
    expect(d.state.held?.reason).toBe('crash-loop');
  });

  it('set forward: a maintenance window keeps its length', () => {
    const d = new ReducerDrive(testPolicy()).up(0, 10);
    d.at(100, { type: 'maintenance', on: true, until: 100 + 30 * 60_000, by: 'cli' });
    d.at(200 + HOUR, { type: 'clock-stepped', byMs: HOUR });
    expect(d.state.maintenance).not.toBeNull();
    expect(d.state.maintenance!.until).toBe(100 + 30 * 60_000 + HOUR);
  });

  it("never moves a lease's stop deadline later (a step forward may be a sleep during which the lease expired)", () => {
    const d = new ReducerDrive(testPolicy()).up(0, 10);
    d.state.placement = { active: true, token: 5, holder: 'me', stopBy: 5000, killBy: 6000 };
    d.at(1000 + HOUR, { type: 'clock-stepped', byMs: HOUR });
    // Past its unmoved deadline: this member fences itself at once.
    expect(d.events('cluster.fenced')).toHaveLength(1);
    const e = new ReducerDrive(testPolicy()).up(0, 10);
    e.state.placement = { active: true, token: 5, holder: 'me', stopBy: 5000, killBy: 6000 };
    e.at(1000 - HOUR, { type: 'clock-stepped', byMs: -HOUR });
    expect(e.state.placement!.stopBy).toBe(5000 - HOUR);
  });
});
