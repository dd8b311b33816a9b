// A singleton's stop grace longer than its lease leaves it is cut short when the member fences itself: said at load, not found in a crash.
import type { ClawbackConfig } from '../config/schema.js';
import { leaseTiming } from './lease-timing.js';

const secs = (ms: number): string => `${Math.round(ms / 100) / 10}s`;

/**
 * One line per singleton whose stop.grace is longer than the lease TTL: a fence leaves it min(grace, 30 % of the TTL)
 * (src/cluster/lease-timing.ts), so when renewals fail its guard SIGKILLs it in the middle of its shutdown. Only past
 * the TTL, so the defaults (grace 5 s, TTL 10 s: 3 s when fenced) say nothing. A warning, not a refusal: the service
 * still runs, and fencing is what keeps one instance.
 */
export function fenceGraceWarnings(declared: ClawbackConfig): string[] {
  const cluster = declared.cluster;
  if (!cluster) return [];
  const ttlMs = Math.ceil(cluster.leaseTtl / 1000) * 1000;
  const warnings: string[] = [];
  declared.services.forEach((s, i) => {
    if (s.placement !== 'singleton' || s.stop.grace <= ttlMs) return;
    const t = leaseTiming(ttlMs, s.stop.grace);
    const left = t.killAfterMs - t.stopAfterMs;
    warnings.push(
      `services[${i}].stop.grace: ${secs(s.stop.grace)} is longer than the ${secs(left)} a singleton gets when this member loses etcd and fences itself (30 % of cluster.leaseTtl ${secs(ttlMs)}): its guard then SIGKILLs the instance ${secs(left)} into its shutdown, ${secs(s.stop.grace - left)} before stop.grace ends; expected stop.grace at most ${secs(left)}, or cluster.leaseTtl at least ${secs(Math.ceil(s.stop.grace / 0.3 / 1000) * 1000)}`,
    );
  });
  return warnings;
}
