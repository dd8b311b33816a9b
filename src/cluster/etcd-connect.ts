// The etcd client, loaded only when a config has a `cluster:` block (the etcd3 library and gRPC cost memory).
import { readFileSync } from 'node:fs';
import type { Etcd3, IOptions } from 'etcd3';
import type { CircuitBreakerPolicy, IDefaultPolicyContext } from 'cockatiel';
import type { ClusterConfig } from './cluster-schema.js';

/** Bound of one etcd call: a renewal or a campaign that takes longer is as good as failed. */
export function callTimeoutMs(ttlMs: number): number {
  return Math.max(500, Math.round(ttlMs / 5));
}

/** Reads a PEM file named in cluster.tls; a clear error names the field, the path and what was expected. */
function pem(field: 'ca' | 'cert' | 'key', file: string): Buffer {
  let data: Buffer;
  try {
    data = readFileSync(file);
  } catch (err) {
    throw new Error(`cluster.tls.${field}: cannot read "${file}" (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); expected a readable PEM file`);
  }
  if (!data.toString('latin1').includes('-----BEGIN ')) throw new Error(`cluster.tls.${field}: "${file}" is not PEM; expected a file with a "-----BEGIN ..." block`);
  return data;
}

/**
 * A host's circuit breaker that refuses calls at once while its half-open probe call is in flight, instead of making
 * them wait for the probe (cockatiel 3). The etcd3 client retries a call that etcd refused for an invalid auth token
 * (a token that expired or was forgotten during an outage) from inside that call: when the call was the probe, the
 * retry waited on the probe, the probe on the retry, and every later call on both: the client hung for good.
 */
export function failFastWhileProbing(breaker: CircuitBreakerPolicy, halfOpen: CircuitBreakerPolicy['state'], refused: () => Error): CircuitBreakerPolicy {
  const execute = breaker.execute.bind(breaker);
  breaker.execute = <T>(fn: (context: IDefaultPolicyContext) => PromiseLike<T> | T, signal?: AbortSignal): Promise<T> =>
    breaker.state === halfOpen ? Promise.reject(refused()) : execute(fn, signal);
  return breaker;
}

export interface EtcdClients {
  /** For everything but renewals (any endpoint, one retry on another). */
  client: Etcd3;
  /** One client per endpoint, for the lease renewals (src/cluster/lease-renewer.ts picks the endpoint). */
  perEndpoint: Array<{ endpoint: string; client: Etcd3 }>;
}

export async function connectEtcd(cfg: ClusterConfig, env: NodeJS.ProcessEnv = process.env): Promise<Etcd3> {
  return (await connectEtcdClients(cfg, env)).client;
}

export async function connectEtcdClients(cfg: ClusterConfig, env: NodeJS.ProcessEnv = process.env): Promise<EtcdClients> {
  const { Etcd3, isRecoverableError } = await import('etcd3');
  const { retry, circuitBreaker, handleWhen, ConsecutiveBreaker, noop, CircuitState, BrokenCircuitError } = await import('cockatiel');
  const timeout = callTimeoutMs(cfg.leaseTtl);
  const password = cfg.auth ? (cfg.auth.password ?? env[cfg.auth.passwordEnv!]) : undefined;
  if (cfg.auth && !password) throw new Error(`cluster.auth.passwordEnv: the environment variable ${cfg.auth.passwordEnv} is not set; expected it to hold the etcd password of user "${cfg.auth.username}"`);
  if (cfg.tls && !!cfg.tls.cert !== !!cfg.tls.key) throw new Error(`cluster.tls: ${cfg.tls.cert ? 'cert' : 'key'} is set without ${cfg.tls.cert ? 'key' : 'cert'}; expected both (a client certificate and its key) or neither`);
  const hosts = cfg.endpoints.map((u) => u.replace(/\/$/, ''));
  const base: Omit<IOptions, 'hosts'> = {
    ...(cfg.tls
      ? {
          credentials: {
            rootCertificate: pem('ca', cfg.tls.ca),
            ...(cfg.tls.key ? { privateKey: pem('key', cfg.tls.key) } : {}),
            ...(cfg.tls.cert ? { certChain: pem('cert', cfg.tls.cert) } : {}),
          },
        }
      : {}),
    ...(cfg.auth ? { auth: { username: cfg.auth.username, password: password! } } : {}),
    dialTimeout: timeout,
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + timeout }),
  };
  const client = new Etcd3({
    ...base,
    hosts,
    faultHandling: {
      // One more try on another member (a lost etcd member must cost one call, not the lease).
      global: retry(handleWhen(isRecoverableError), { maxAttempts: 1 }),
      host: () =>
        failFastWhileProbing(circuitBreaker(handleWhen(isRecoverableError), { halfOpenAfter: 1000, breaker: new ConsecutiveBreaker(2) }), CircuitState.HalfOpen, () => new BrokenCircuitError()),
    },
  });
  // The renewer chooses the endpoint itself: no retry or breaker of the library's in between.
  const perEndpoint = hosts.map((h) => ({ endpoint: h, client: new Etcd3({ ...base, hosts: [h], faultHandling: { global: noop, host: () => noop } }) }));
  return { client, perEndpoint };
}
