// Pure verdict policy (kubelet style): consecutive results against thresholds, with a start-up grace.
//
// Choices:
// - 'unknown' (the probe could not run) changes no counter: it neither counts as a failure nor
//   breaks a run of failures or successes. A probe that cannot run never causes a restart.
// - During the start-up grace (verdict still 'pending', grace not yet over) failures are counted
//   but give no verdict. The grace ends early when the instance first passes (successThreshold).
//   Failures counted in grace still count afterwards: an instance that never came up is judged
//   unhealthy at its first failure after the grace, if the run reached failureThreshold.
// - A start-up window (the service's startup.timeout, Kubernetes' startupProbe) is stricter: failures in it are not
//   counted at all, so the run of failures that makes a verdict starts only after it. It too ends at the first pass;
//   when it runs out first, the reducer (not this verdict) judges the start failed. The reducer owns the window: the
//   worker is told where it ends for the instance (an adopted one's window is what is left of it, or none).
// - With latchUnhealthy (action 'restart'), 'unhealthy' is final for the instance: nothing changes
//   until the worker is reset for a new instance, so the same instance is never killed twice.
//   Without it (notify/none), a run of successes turns the verdict healthy again.
import type { ProbeStatus } from './probe-types.js';

export type Verdict = 'pending' | 'healthy' | 'unhealthy';

export interface ThresholdPolicy {
  failureThreshold: number;
  successThreshold: number;
  startupGrace: number;
  latchUnhealthy: boolean;
  /** The service's start-up window in ms (0 or absent: none): failures in it are not counted. */
  startupWindow?: number;
}

export interface ThresholdState {
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  verdict: Verdict;
  /** When the instance (and its grace) started, in ms of the clock `now` is given in (the worker's monotonic clock). */
  graceStartedAt: number;
  /** When the instance's start-up window ends (same clock); absent: graceStartedAt + policy.startupWindow. */
  startupUntil?: number;
}

export interface ThresholdStep {
  state: ThresholdState;
  /** Set when the verdict changed with this result. */
  changed?: 'healthy' | 'unhealthy';
}

export function initialThresholdState(now: number): ThresholdState {
  return { consecutiveFailures: 0, consecutiveSuccesses: 0, verdict: 'pending', graceStartedAt: now };
}

/** Where the instance's start-up window ends: as the reducer set it, else its whole length from the instance's start. */
function startupEnd(state: ThresholdState, policy: ThresholdPolicy): number {
  return state.startupUntil ?? state.graceStartedAt + (policy.startupWindow ?? 0);
}

export function inGrace(state: ThresholdState, policy: ThresholdPolicy, now: number): boolean {
  return state.verdict === 'pending' && now < Math.max(state.graceStartedAt + policy.startupGrace, startupEnd(state, policy));
}

/** In the start-up window: no pass yet and the window not over; a failure here is not counted. */
export function inStartupWindow(state: ThresholdState, policy: ThresholdPolicy, now: number): boolean {
  return state.verdict === 'pending' && (policy.startupWindow ?? 0) > 0 && now < startupEnd(state, policy);
}

export function applyResult(state: ThresholdState, status: ProbeStatus, now: number, policy: ThresholdPolicy): ThresholdStep {
  if (state.verdict === 'unhealthy' && policy.latchUnhealthy) return { state };
  if (status === 'unknown') return { state };
  if (status === 'failure' && inStartupWindow(state, policy, now)) return { state: { ...state, consecutiveSuccesses: 0 } };

  const next: ThresholdState =
    status === 'success'
      ? { ...state, consecutiveSuccesses: state.consecutiveSuccesses + 1, consecutiveFailures: 0 }
      : { ...state, consecutiveFailures: state.consecutiveFailures + 1, consecutiveSuccesses: 0 };

  if (status === 'success' && state.verdict !== 'healthy' && next.consecutiveSuccesses >= policy.successThreshold) {
    return { state: { ...next, verdict: 'healthy' }, changed: 'healthy' };
  }
  if (
    status === 'failure' &&
    state.verdict !== 'unhealthy' &&
    next.consecutiveFailures >= policy.failureThreshold &&
    !inGrace(state, policy, now)
  ) {
    return { state: { ...next, verdict: 'unhealthy' }, changed: 'unhealthy' };
  }
  return { state: next };
}
