// An http:// endpoint next to cluster.tls never connects (the client speaks TLS to every endpoint): said at load, not found in etcd's refusal.
import type { ClawbackConfig } from '../config/schema.js';

/**
 * One line per http:// endpoint when cluster.tls is set. A warning, not a refusal: the etcd client ignores the scheme
 * once TLS settings are given, so an etcd that does serve TLS on that address still works.
 */
export function tlsSchemeWarnings(declared: ClawbackConfig): string[] {
  const cluster = declared.cluster;
  if (!cluster?.tls) return [];
  const warnings: string[] = [];
  cluster.endpoints.forEach((u, i) => {
    if (!u.toLowerCase().startsWith('http://')) return;
    warnings.push(`cluster.endpoints[${i}]: ${u} is http:// but cluster.tls is set, so this member speaks TLS to it (a plain-HTTP etcd there never answers); expected https://${u.slice('http://'.length)}, or no cluster.tls for an etcd that serves plain http://`);
  });
  return warnings;
}
