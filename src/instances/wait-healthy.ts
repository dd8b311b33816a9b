// Waits (bounded) until one runtime runs a new instance whose probes pass: the step of every rolling change.
import type { Clock } from '../platform/clock.js';
import type { ServiceRuntime } from '../daemon/service-runtime.js';

/** True once `rt` runs a pid other than `oldPid` and is healthy; false when `timeoutMs` passed or `signal` aborted. */
export async function waitHealthyAgain(rt: ServiceRuntime, oldPid: number | null, clock: Clock, timeoutMs: number, signal: AbortSignal): Promise<boolean> {
  const deadline = clock.monotonic() + timeoutMs;
  while (!signal.aborted) {
    const st = rt.status();
    if (st.state === 'running' && st.pid !== null && st.pid !== oldPid && st.health === 'healthy') return true;
    if (clock.monotonic() >= deadline) return false;
    await clock.sleep(100, signal).catch(() => undefined);
  }
  return false;
}
