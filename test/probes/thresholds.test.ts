import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/platform/clock.js';
import { applyResult, inGrace, initialThresholdState, type ThresholdPolicy, type ThresholdState } from '../../src/probes/thresholds.js';
import type { ProbeStatus } from '../../src/probes/probe-types.js';

const S: ProbeStatus = 'success';
const F: ProbeStatus = 'failure';
const U: ProbeStatus = 'unknown';

interface Row {
  name: string;
  policy?: Partial<ThresholdPolicy>;
  /** Each step: advance the clock, then apply the status. */
  steps: Array<[advanceMs: number, status: ProbeStatus]>;
  /** The verdict change after each step ('' = none). */
  changes: string[];
  final: string;
}

const base: ThresholdPolicy = { failureThreshold: 3, successThreshold: 1, startupGrace: 0, latchUnhealthy: true };

const rows: Row[] = [
  { name: 'unhealthy only at the 3rd consecutive failure', steps: [[0, S], [1, F], [1, F], [1, F]], changes: ['healthy', '', '', 'unhealthy'], final: 'unhealthy' },
  { name: 'a success breaks the run', steps: [[0, S], [1, F], [1, F], [1, S], [1, F], [1, F]], changes: ['healthy', '', '', '', '', ''], final: 'healthy' },
  { name: 'unknown neither counts nor resets', steps: [[0, S], [1, F], [1, U], [1, F], [1, U], [1, U], [1, F]], changes: ['healthy', '', '', '', '', '', 'unhealthy'], final: 'unhealthy' },
  { name: 'only unknowns stay pending', steps: [[0, U], [1, U], [1, U], [1, U]], changes: ['', '', '', ''], final: 'pending' },
  { name: 'latched: nothing after unhealthy', steps: [[0, F], [1, F], [1, F], [1, S], [1, S], [1, F]], changes: ['', '', 'unhealthy', '', '', ''], final: 'unhealthy' },
  {
    name: 'not latched (notify): recovers and fails again',
    policy: { latchUnhealthy: false, failureThreshold: 1 },
    steps: [[0, F], [1, F], [1, S], [1, S], [1, F]],
    changes: ['unhealthy', '', 'healthy', '', 'unhealthy'],
    final: 'unhealthy',
  },
  { name: 'successThreshold 2', policy: { successThreshold: 2 }, steps: [[0, S], [1, U], [1, S], [1, S]], changes: ['', '', 'healthy', ''], final: 'healthy' },
  {
    name: 'grace: failures give no verdict until the grace runs out',
    policy: { startupGrace: 10_000 },
    steps: [[0, F], [2000, F], [2000, F], [2000, F], [2000, F], [2001, F]],
    changes: ['', '', '', '', '', 'unhealthy'],
    final: 'unhealthy',
  },
  {
    name: 'grace ends early on the first pass',
    policy: { startupGrace: 10_000 },
    steps: [[0, F], [1000, S], [1000, F], [1000, F], [1000, F]],
    changes: ['', 'healthy', '', '', 'unhealthy'],
    final: 'unhealthy',
  },
  {
    name: 'after the grace, the first failure judges a run that already reached the threshold',
    policy: { startupGrace: 5_000, failureThreshold: 2 },
    steps: [[0, F], [1000, F], [1000, F], [4000, U], [0, F]],
    changes: ['', '', '', '', 'unhealthy'],
    final: 'unhealthy',
  },
];

describe('thresholds', () => {
  it.each(rows)('$name', (row) => {
    const clock = new FakeClock();
    const policy = { ...base, ...row.policy };
    let state: ThresholdState = initialThresholdState(clock.now());
    const changes: string[] = [];
    for (const [advance, status] of row.steps) {
      clock.advance(advance);
      const step = applyResult(state, status, clock.now(), policy);
      state = step.state;
      changes.push(step.changed ?? '');
    }
    expect(changes).toEqual(row.changes);
    expect(state.verdict).toBe(row.final);
  });

  it('counts failures during grace and reports grace', () => {
    const clock = new FakeClock();
    const policy = { ...base, startupGrace: 30_000 };
    let state = initialThresholdState(clock.now());
    expect(inGrace(state, policy, clock.now())).toBe(true);
    for (let i = 0; i < 5; i++) state = applyResult(state, 'failure', clock.now(), policy).state;
    expect(state.consecutiveFailures).toBe(5);
    expect(state.verdict).toBe('pending');
    clock.advance(30_000);
    expect(inGrace(state, policy, clock.now())).toBe(false);
  });
});

describe('a start-up window (startup.timeout)', () => {
  const windowed = { failureThreshold: 2, successThreshold: 1, startupGrace: 1_000, latchUnhealthy: true, startupWindow: 10_000 };
  it('does not count failures in it: the run that makes a verdict starts after it, however long the grace was', () => {
    let st = initialThresholdState(0);
    for (let t = 500; t < 10_000; t += 500) {
      const step = applyResult(st, 'failure', t, windowed);
      expect(step.changed).toBeUndefined();
      st = step.state;
    }
    expect(st.consecutiveFailures).toBe(0);
    // After it, failureThreshold failures in a row are needed, not one.
    const first = applyResult(st, 'failure', 10_000, windowed);
    expect(first.changed).toBeUndefined();
    expect(applyResult(first.state, 'failure', 10_500, windowed).changed).toBe('unhealthy');
  });
  it('ends at the first pass: a failure after it counts again', () => {
    const up = applyResult(initialThresholdState(0), 'success', 2_000, windowed);
    expect(up.changed).toBe('healthy');
    expect(applyResult(up.state, 'failure', 2_500, windowed).state.consecutiveFailures).toBe(1);
  });
});
