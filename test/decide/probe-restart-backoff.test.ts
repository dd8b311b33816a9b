// Restarts for failing probes back off like crash restarts (CrashLoopBackOff for liveness), decided by the reducer.
import { describe, expect, it } from 'vitest';
import { nextWake } from '../../src/decide/decide.js';
import { normalizeState } from '../../src/decide/service-state.js';
import { testPolicy } from './policy-fixture.js';
import { ReducerDrive } from './drive.js';

const policy = testPolicy({ intensity: { maxRestarts: 10, window: 60_000 } });

/** The instance `pid` is judged unhealthy at `t`; its stop ends 100 ms later. */
function failAndStop(d: ReducerDrive, t: number, pid: number): void {
  d.at(t, { type: 'unhealthy', pid, probe: 'http', message: '500', finding: 'http-status' });
  expect(d.types()).toEqual(['stop']);
  d.at(t + 100, { type: 'exited', pid, code: null, signal: 'SIGTERM', at: t + 100, statusKnown: true });
}

describe('probe restarts back off', () => {
  it('the first restart is at once, later ones wait 100, 200, 400 ms after the stop (the crash backoff)', () => {
    const d = new ReducerDrive(policy).up(0, 10);
    failAndStop(d, 1000, 10);
    expect(d.types()).toEqual(['start']);
    let t = 1200;
    let pid = 11;
    for (const delay of [100, 200, 400]) {
      d.at(t, { type: 'started', instance: { pid, pidStartTime: 1, startedAt: t }, reason: 'probe' });
      failAndStop(d, t + 300, pid);
      const stoppedAt = t + 400;
      expect(d.types()).toEqual([]);
      expect(d.state.phase).toBe('backoff');
      expect(nextWake(d.state, d.p)).toBe(stoppedAt + delay);
      expect(d.events('service.restart-scheduled').at(-1)).toMatchObject({ details: { reason: 'probe', delayMs: delay } });
      // The backoff survives a daemon restart.
      const { incident, ...record } = JSON.parse(JSON.stringify(d.state)) as typeof d.state;
      d.state = normalizeState(record, incident, 'up');
      d.at(stoppedAt + delay - 1, { type: 'tick' });
      expect(d.types()).toEqual([]);
      d.at(stoppedAt + delay, { type: 'tick' });
      expect(d.types()).toEqual(['start']);
      // The start after the wait is the probe's restart, said and counted once (when it was decided), not an exit's.
      expect(d.last.find((e) => e.type === 'start')).toMatchObject({ reason: 'probe' });
      t = stoppedAt + delay + 100;
      pid++;
    }
    const restarting = d.events('service.restarting');
    expect(restarting.map((e) => e.details?.['reason'])).toEqual(['probe', 'probe', 'probe', 'probe']);
    expect(d.state.restartsTotal).toBe(4);
  });

  it('a run that stayed stable for stableAfter restarts at once again', () => {
    const d = new ReducerDrive(policy).up(0, 10);
    failAndStop(d, 1000, 10);
    d.at(1200, { type: 'started', instance: { pid: 11, pidStartTime: 1, startedAt: 1200 }, reason: 'probe' });
    d.at(1200 + policy.stableAfterMs, { type: 'tick' });
    failAndStop(d, 1300 + policy.stableAfterMs, 11);
    expect(d.types()).toEqual(['start']);
  });

  it('a person stopping it during the backoff keeps it down', () => {
    const d = new ReducerDrive(policy).up(0, 10);
    failAndStop(d, 1000, 10);
    d.at(1200, { type: 'started', instance: { pid: 11, pidStartTime: 1, startedAt: 1200 }, reason: 'probe' });
    failAndStop(d, 1500, 11);
    expect(d.state.phase).toBe('backoff');
    d.at(1610, { type: 'request', action: 'stop', by: 'human' });
    d.at(5000, { type: 'tick' });
    expect(d.types(d.effects.slice(-5))).not.toContain('start');
    expect(d.state.desired).toBe('down');
  });
});
