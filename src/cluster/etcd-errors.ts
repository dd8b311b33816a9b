// Turns an etcd client error into words a person can act on: which cluster.* setting is wrong and what was expected.
import type { ClusterConfig } from './cluster-schema.js';

function text(err: unknown): string {
  if (err instanceof Error) return `${err.constructor?.name ?? 'Error'}: ${err.message}`;
  return String(err);
}

/** A refusal (TLS, auth, permissions) will not pass by itself, unlike an endpoint down or an election under way. */
export function isEtcdRefusal(err: unknown): boolean {
  return /certificate|ssl|tls|handshake|self[- ]signed|issuer|wrong_version_number|authentication failed|invalid user id or password|user name not found|invalid auth token|authenticationfailed|usernotfound|user name is empty|permission denied|unauthenticated/.test(text(err).toLowerCase());
}

export function describeEtcdError(err: unknown, cfg: Pick<ClusterConfig, 'endpoints' | 'tls' | 'auth'>): string {
  const raw = text(err);
  return describe(raw.toLowerCase(), raw, cfg);
}

/**
 * The cause of an etcd error: its description without the client's own words. Those change from call to call for
 * one cause (etcd down: "UNAVAILABLE ... ECONNREFUSED", then "the circuit breaker is open", in turn), and a failure
 * announced once per description was announced about every second, a critical alert each time.
 */
export function etcdErrorCause(err: unknown, cfg: Pick<ClusterConfig, 'endpoints' | 'tls' | 'auth'>): string {
  return describe(text(err).toLowerCase(), '...', cfg);
}

function describe(m: string, raw: string, cfg: Pick<ClusterConfig, 'endpoints' | 'tls' | 'auth'>): string {
  const where = cfg.endpoints.join(', ');
  if (/certificate|ssl|tls|handshake|self[- ]signed|issuer|wrong_version_number|alert/.test(m)) {
    if (!cfg.tls) return `cluster.tls: etcd at ${where} wants TLS, or the TLS handshake failed (${raw}); expected cluster.tls.ca naming the CA that signed etcd's server certificate`;
    const scheme = tlsToPlain(raw, cfg);
    if (scheme) return scheme;
    if (/bad certificate|certificate required|alert number 42|alert number 116|unknown ca.*client/.test(m)) {
      return `cluster.tls.cert: etcd at ${where} refused this member's client certificate (${raw}); expected cluster.tls.cert and cluster.tls.key signed by a CA that etcd trusts (--trusted-ca-file)`;
    }
    return `cluster.tls.ca: the TLS handshake with etcd at ${where} failed (${raw}); expected cluster.tls.ca (${cfg.tls.ca}) to be the CA that signed etcd's server certificate, for the address used in cluster.endpoints`;
  }
  if (/authentication failed|invalid user id or password|user name not found|invalid auth token|authenticationfailed|usernotfound/.test(m)) {
    return cfg.auth
      ? `cluster.auth (user "${cfg.auth.username}") was refused by etcd at ${where} (${raw}); expected the password of that etcd user (cluster.auth.${cfg.auth.password ? 'password' : `passwordEnv, from ${cfg.auth.passwordEnv}`})`
      : `cluster.auth is missing: etcd at ${where} refused the request (${raw}); expected cluster.auth (username and password) for an etcd with auth enabled`;
  }
  if (/user name is empty|permission denied|unauthenticated/.test(m)) {
    return cfg.auth
      ? `cluster.auth.username ("${cfg.auth.username}") may not use the cluster's keys in etcd at ${where} (${raw}); expected an etcd user with read and write on the cluster prefix`
      : `cluster.auth is missing: etcd at ${where} has auth enabled (${raw}); expected cluster.auth with an etcd user and password`;
  }
  return tlsToPlain(raw, cfg) ?? `cluster.endpoints: etcd at ${where} could not be used (${raw}); expected a reachable etcd with quorum`;
}

/**
 * With cluster.tls the client speaks TLS to every endpoint, whatever its scheme: an http:// endpoint of a plain etcd
 * fails the handshake, or (as often, depending on when the client looks) just "could not be used". Both were blamed
 * on cluster.tls.ca or on etcd's quorum; the scheme was the mistake.
 */
function tlsToPlain(raw: string, cfg: Pick<ClusterConfig, 'endpoints' | 'tls'>): string | undefined {
  if (!cfg.tls) return undefined;
  const plain = cfg.endpoints.filter((u) => u.toLowerCase().startsWith('http://'));
  if (plain.length === 0) return undefined;
  return `cluster.endpoints: ${plain.join(', ')} ${plain.length > 1 ? 'are' : 'is'} http:// but cluster.tls is set, so this member speaks TLS to every endpoint, and etcd at ${cfg.endpoints.join(', ')} could not be used over TLS (${raw}); expected https:// endpoints of an etcd that serves TLS, or no cluster.tls for an etcd that serves plain http://`;
}
