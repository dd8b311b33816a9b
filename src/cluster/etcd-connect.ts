// The etcd client, loaded only when a config has a `cluster:` block (the etcd3 library and gRPC cost memory).
import { readFileSync } from 'node:fs';
import type { Etcd3 } from 'etcd3';
import type { ClusterConfig } from './cluster-schema.js';

/** Bound of one etcd call: a renewal or a campaign that takes longer is as good as failed. */
export function callTimeoutMs(ttlMs: number): number {
  return Math.max(500, Math.round(ttlMs / 5));
}

export async function connectEtcd(cfg: ClusterConfig, env: NodeJS.ProcessEnv = process.env): Promise<Etcd3> {
  const { Etcd3, isRecoverableError } = await import('etcd3');
  const { retry, circuitBreaker, handleWhen, ConsecutiveBreaker } = await import('cockatiel');
  const timeout = callTimeoutMs(cfg.leaseTtl);
  const password = cfg.auth ? (cfg.auth.password ?? env[cfg.auth.passwordEnv!]) : undefined;
  if (cfg.auth && !password) throw new Error(`cluster.auth.passwordEnv: the environment variable ${cfg.auth.passwordEnv} is not set`);
  return new Etcd3({
    hosts: cfg.endpoints.map((u) => u.replace(/\/$/, '')),
    ...(cfg.tls
      ? {
          credentials: {
            rootCertificate: readFileSync(cfg.tls.ca),
            ...(cfg.tls.key ? { privateKey: readFileSync(cfg.tls.key) } : {}),
            ...(cfg.tls.cert ? { certChain: readFileSync(cfg.tls.cert) } : {}),
          },
        }
      : {}),
    ...(cfg.auth ? { auth: { username: cfg.auth.username, password: password! } } : {}),
    dialTimeout: timeout,
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + timeout }),
    faultHandling: {
      // One more try on another member (a lost etcd member must cost one call, not the lease).
      global: retry(handleWhen(isRecoverableError), { maxAttempts: 1 }),
      host: () => circuitBreaker(handleWhen(isRecoverableError), { halfOpenAfter: 1000, breaker: new ConsecutiveBreaker(2) }),
    },
  });
}
