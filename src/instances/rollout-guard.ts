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

/** What a change of a group's instances would cost in serving instances, when it takes too much (see servingLoss). */
export interface ServingLoss {
  /** Serving instances the change would stop. */
  stopping: string[];
  /** Instances the change keeps that do not serve now. */
  notServing: string[];
  servingNow: number;
  servingAfter: number;
}

/**
 * Before a group runs only `next` (a scale down, a reload with a smaller count): undefined when it may go ahead, else
 * what it costs. Instances are removed from the top (their names are their ports), so with a lower one down a scale
 * down stops the healthy ones and keeps the broken one: it may stop serving instances only while one of those kept
 * serves, so it never leaves a group that serves now with none serving (a starting one counts as not serving yet).
 */
export function servingLoss(group: string, next: readonly string[], runtimes: Runtimes): ServingLoss | undefined {
  const now = namesFor(group, runtimes.keys()).filter((n) => parseInstanceName(n)?.group === group);
  const servingNow = now.filter((n) => serving(runtimes.get(n)));
  const stopping = servingNow.filter((n) => !next.includes(n));
  if (stopping.length === 0) return undefined;
  const servingAfter = servingNow.length - stopping.length;
  if (servingAfter > 0 || next.length === 0) return undefined;
  return { stopping, notServing: next.filter((n) => now.includes(n) && !serving(runtimes.get(n))), servingNow: servingNow.length, servingAfter };
}

/** One line for a refused change: which serving instances it would stop, which broken ones it would keep. */
export function describeServingLoss(loss: ServingLoss, runtimes: Runtimes): string {
  const shown = (n: string): string => {
    const st = runtimes.get(n)?.status();
    return st ? `${n} (${st.state}, ${st.health})` : n;
  };
  const kept = loss.notServing.length > 0 ? `, and keep ${loss.notServing.map(shown).join(', ')}, which ${loss.notServing.length > 1 ? 'do' : 'does'} not serve` : '';
  return `it would stop ${loss.stopping.join(', ')}, which serve${kept}: ${loss.servingAfter} instance(s) would serve where ${loss.servingNow} do`;
}
