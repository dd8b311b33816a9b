// The `cluster:` config block: this member's name, the etcd endpoints (TLS, auth) and the lease TTL.
import { z } from 'zod';
import { duration } from '../config/duration-schema.js';

export const memberName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, 'expected a member name of letters, digits, "-", "_" or "." (at most 63, starting with a letter or digit)');

/**
 * What the etcd client cannot dial in a URL the pattern lets through (null: nothing). A user and password in it
 * were passed on as part of the host name: the daemon never reached etcd, and the client's error, with the password
 * in it, went to the journal, the alerts and `cluster status`.
 */
export function endpointProblem(u: string): string | null {
  let url: URL;
  try {
    url = new URL(u);
  } catch {
    return `expected an etcd client URL such as http://127.0.0.1:2379 (got ${JSON.stringify(u.replace(/\/\/[^@/]*@/, '//[REDACTED]@'))})`;
  }
  const shown = `${url.protocol}//${url.host}`;
  if (url.username || url.password) {
    return `the etcd client cannot use a user or password in the URL (it takes them for part of the host name and never connects); expected ${shown} here and the user in cluster.auth (username, passwordEnv) (got ${url.protocol}//[REDACTED]@${url.host})`;
  }
  if (!url.hostname) return `expected a host in the URL, such as http://127.0.0.1:2379 (got ${JSON.stringify(u)})`;
  return null;
}

export const clusterSchema = z.strictObject({
  /** This daemon's name in the cluster (unique per member, e.g. the host name). */
  member: memberName,
  /** etcd client URLs, e.g. ["https://10.0.0.1:2379", "https://10.0.0.2:2379", "https://10.0.0.3:2379"]. */
  endpoints: z
    .array(
      z
        .string()
        .regex(/^https?:\/\/[^/\s]+\/?$/, 'expected an etcd client URL such as http://127.0.0.1:2379')
        .superRefine((u, ctx) => {
          const why = endpointProblem(u);
          if (why !== null) ctx.addIssue({ code: 'custom', message: why });
        }),
    )
    .min(1, 'expected at least one etcd endpoint'),
  /** TLS to etcd: PEM files (a CA, and a client certificate and key for mutual TLS). */
  tls: z
    .strictObject({
      ca: z.string().min(1),
      cert: z.string().min(1).optional(),
      key: z.string().min(1).optional(),
    })
    .optional(),
  /** etcd user and password; passwordEnv names an environment variable that holds the password instead. */
  auth: z
    .strictObject({
      username: z.string().min(1),
      password: z.string().min(1).optional(),
      passwordEnv: z.string().min(1).optional(),
    })
    .refine((a) => !!a.password !== !!a.passwordEnv, { message: 'expected exactly one of password or passwordEnv' })
    .optional(),
  /**
   * The lease's time to live: a dead member's singleton services move after about this long. At least 5 s: the
   * self-fence keeps a margin of max(1 s, 20 %) and a stop grace of up to 30 %; below 5 s what is left before the
   * stop deadline (src/cluster/lease-timing.ts) is hardly more than one renewal period, and one slow renewal fences.
   */
  leaseTtl: duration.default(10_000).refine((ms) => ms >= 5000 && ms <= 300_000, { message: 'expected a lease TTL between 5s and 5m (below 5 s one slow renewal would fence the active member)' }),
  /** Keys live under this prefix (one prefix per cluster sharing an etcd). */
  prefix: z.string().regex(/^[A-Za-z0-9_./-]+$/, 'expected letters, digits, "_", ".", "/" or "-"').default('clawback'),
  /** How often a standby asks whether the lease is free (the failover time adds up to this). */
  pollInterval: duration.default(250).refine((ms) => ms >= 50 && ms <= 10_000, { message: 'expected a poll interval between 50ms and 10s' }),
  /** The largest config file kept in etcd for config-follows-the-leader (bigger ones are not shared). */
  configMaxBytes: z.number().int().min(1024).max(1024 * 1024).default(256 * 1024),
});

export type ClusterConfig = z.output<typeof clusterSchema>;

/** Per service: `singleton` runs on exactly one member (the lease holder); `everywhere` (default) on each member. */
export const placementSchema = z.enum(['everywhere', 'singleton']).default('everywhere');
