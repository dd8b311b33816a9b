// A rolling change (restart or new settings) never takes a serving instance down while another of its group is down.
import type { Clock } from '../platform/clock.js';
import type { ServiceRuntime } from '../daemon/service-runtime.js';
import { namesFor, parseInstanceName } from './instance-name.js';

type Runtimes = ReadonlyMap<string, ServiceRuntime>;

/** Running and its probes pass: it answers clients. */
function serving(rt: ServiceRuntime | undefined): boolean {
  const st = rt?.status();
  return st?.state === 'running' && st.health === 'healthy';
}

/** The order a rollout takes `names` in: those not serving first (restarting them costs no capacity), then instance order. */
export function rolloutOrder(names: readonly string[], runtimes: Runtimes): string[] {
  return [...names.filter((n) => !serving(runtimes.get(n))), ...names.filter((n) => serving(runtimes.get(n)))];
}

/**
 * Before `name` is taken down: the other instances of its group that should run (not stopped by a person) and are
 * not serving, after waiting (bounded) for them. Empty: go ahead. An instance that does not serve may always go.
 */
export async function peersDown(name: string, runtimes: Runtimes, clock: Clock, timeoutMs: number, signal: AbortSignal): Promise<string[]> {
  if (!serving(runtimes.get(name))) return [];
  const group = parseInstanceName(name)?.group;
  if (group === undefined) return [];
  const down = (): string[] =>
    namesFor(group, runtimes.keys()).filter((n) => n !== name && runtimes.get(n)!.persisted().desired === 'up' && !serving(runtimes.get(n)));
  const deadline = clock.monotonic() + timeoutMs;
  while (!signal.aborted && clock.monotonic() < deadline && down().length > 0) await clock.sleep(100, signal).catch(() => undefined);
  return down();
}
