// A fault that flaps (journal writes near the fd limit: one fails, the next works) is cleared only after a quiet period,
// so it sends one daemon.degraded and one daemon.recovered, not a pair every second whose differing figures defeat dedup.
import type { Clock, TimerHandle } from '../platform/clock.js';
import type { DaemonFaults, FaultReason } from './daemon-faults.js';

/** How long a flapping fault must stay quiet (no failure) before it is announced as recovered. */
export const FAULT_QUIET_MS = 10_000;

export interface QuietRecovery {
  /** A failure: degraded at once (the first is announced without delay); a pending recovery is called off. */
  failed(err: unknown): void;
  /** Works again: recovered once FAULT_QUIET_MS pass with no failure, with the figures summed over the wait. */
  recovered(facts: Record<string, number>): void;
  /** Drops a pending recovery (the daemon stops). */
  cancel(): void;
}

export function quietRecovery(faults: Pick<DaemonFaults, 'failed' | 'ok'>, reason: FaultReason, clock: Pick<Clock, 'setTimeout'>, quietMs = FAULT_QUIET_MS): QuietRecovery {
  let timer: TimerHandle | undefined;
  let facts: Record<string, number> = {};
  const cancel = (): void => {
    timer?.cancel();
    timer = undefined;
  };
  return {
    failed(err) {
      cancel();
      faults.failed(reason, err);
    },
    recovered(more) {
      for (const [k, v] of Object.entries(more)) facts[k] = (facts[k] ?? 0) + v;
      cancel();
      timer = clock.setTimeout(() => {
        timer = undefined;
        const sum = facts;
        facts = {};
        faults.ok(reason, sum);
      }, quietMs);
    },
    cancel,
  };
}
