// An instance adopted past its start-up window that never passed a healthy check (none recorded by the last daemon, none
// seen by this one) never came up: its exit is no stable run however long it ran (`stableAfter` does not reset the
// backoff), as an exit with its window still open is not. It was counted stable, the backoff reset to its first step.
import { describe, expect, it } from 'vitest';
import { normalizeState } from '../../src/decide/service-state.js';
import { testPolicy } from './policy-fixture.js';
import { ReducerDrive } from './drive.js';

const policy = testPolicy({ startupWindowMs: 30_000, intensity: { maxRestarts: 10, window: 3_600_000 } });

/** A service that crashed twice (backoff grown), whose third instance the next daemon adopts at `bootAt`. */
function adopted(bootAt: number, cameUp: boolean): ReducerDrive {
  const d = new ReducerDrive(policy).up(0, 10);
  d.at(1_000, { type: 'exited', pid: 10, code: 1, signal: null, at: 1_000, statusKnown: true });
  d.at(1_100, { type: 'tick' });
  d.at(1_200, { type: 'started', instance: { pid: 11, pidStartTime: 1, startedAt: 1_200 }, reason: 'exit' });
  d.at(2_000, { type: 'exited', pid: 11, code: 1, signal: null, at: 2_000, statusKnown: true });
  d.at(2_300, { type: 'tick' });
  d.at(2_400, { type: 'started', instance: { pid: 12, pidStartTime: 1, startedAt: 2_400 }, reason: 'exit' });
  if (cameUp) d.at(5_000, { type: 'healthy', pid: 12 });
  const saved = JSON.parse(JSON.stringify(d.state)) as typeof d.state;
  d.state = normalizeState(saved, saved.incident, 'up');
  d.at(bootAt, { type: 'boot', adopted: { pid: 12, pidStartTime: 1, startedAt: 2_400 } });
  return d;
}

describe('an instance adopted past its start-up window', () => {
  it('that never came up and exits keeps the backoff growing (no stable run)', () => {
    const d = adopted(60_000, false);
    expect(d.state.startup).toBeUndefined();
    const before = d.state.backoffAttempt;
    expect(before).toBeGreaterThan(0);
    d.at(120_000, { type: 'exited', pid: 12, code: 1, signal: null, at: 120_000, statusKnown: true });
    expect(d.state.backoffAttempt).toBe(before + 1);
  });

  it('that came up (before the daemon restart, or after the adoption) and exits past stableAfter resets it', () => {
    const d = adopted(60_000, true);
    d.at(120_000, { type: 'exited', pid: 12, code: 1, signal: null, at: 120_000, statusKnown: true });
    expect(d.state.backoffAttempt).toBe(1);
    const e = adopted(60_000, false);
    e.at(61_000, { type: 'healthy', pid: 12 });
    e.at(120_000, { type: 'exited', pid: 12, code: 1, signal: null, at: 120_000, statusKnown: true });
    expect(e.state.backoffAttempt).toBe(1);
  });
});
