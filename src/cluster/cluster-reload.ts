// What a reload cannot do for clusters: start or change the etcd connection; it refuses rather than run a singleton unfenced.
import type { ClawbackConfig } from '../config/schema.js';

/**
 * Null when the reload may proceed. A `cluster:` block added, removed or changed needs a daemon restart (the etcd
 * client, the lease and the elections are built once); a `placement: singleton` service without a running cluster
 * would run with no election at all, so such a reload is refused, loudly, naming what to do.
 */
export function clusterReloadProblem(running: ClawbackConfig, next: ClawbackConfig): string | null {
  const before = JSON.stringify(running.cluster ?? null);
  const after = JSON.stringify(next.cluster ?? null);
  if (before === after) return null;
  if (!running.cluster) {
    const singles = next.services.filter((s) => s.placement === 'singleton').map((s) => s.name);
    return `cluster: a reload cannot join a cluster (the etcd client and lease start with the daemon)${singles.length ? `, and ${singles.join(', ')} (placement: singleton) would run unfenced` : ''}; restart the daemon to apply the new cluster: block`;
  }
  if (!next.cluster) return 'cluster: a reload cannot leave the cluster (this member may hold leases); restart the daemon to apply a config without a cluster: block';
  return `cluster: changed (${changedKeys(running.cluster, next.cluster).join(', ')}); the etcd connection and lease are built once: restart the daemon to apply it (placement changes of services are applied by a reload)`;
}

function changedKeys(a: object, b: object): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((k) => JSON.stringify((a as Record<string, unknown>)[k]) !== JSON.stringify((b as Record<string, unknown>)[k])).map((k) => `cluster.${k}`);
}
