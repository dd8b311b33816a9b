// The self-fence arithmetic in one place: when to renew, when the daemon stops its instance, when the guard kills it.
export interface LeaseTiming {
  ttlMs: number;
  /** A renewal is sent this often. */
  renewEveryMs: number;
  /** Covers clock-rate differences between this host and etcd's leader, and the kill's own latency. */
  marginMs: number;
  /** The guard SIGKILLs the instance's group at lastRenewSent + killAfterMs (= ttl - margin). */
  killAfterMs: number;
  /** The reducer stops the instance (graceful) at lastRenewSent + stopAfterMs (= kill - stop grace, capped). */
  stopAfterMs: number;
}

/**
 * etcd expires a lease no earlier than (the time it received the last renewal) + TTL, and a renewal is
 * received after we sent it: so, counted from the moment we SENT the last successful renewal, the lease is
 * ours for at least TTL (measured by etcd's clock). Our instance must be dead before that:
 *   guard kill at  sent + TTL - margin        margin = max(1 s, 20 % of TTL)
 *   daemon stop at sent + TTL - margin - g    g = min(stop grace, 30 % of TTL)
 * and a renewal goes out every TTL / 5, so two can fail (or be slow) before the daemon stops anything.
 */
export function leaseTiming(ttlMs: number, stopGraceMs: number): LeaseTiming {
  const marginMs = Math.max(1000, Math.round(ttlMs * 0.2));
  const killAfterMs = ttlMs - marginMs;
  const graceCap = Math.min(stopGraceMs, Math.round(ttlMs * 0.3));
  return { ttlMs, renewEveryMs: Math.round(ttlMs / 5), marginMs, killAfterMs, stopAfterMs: Math.max(0, killAfterMs - graceCap) };
}
