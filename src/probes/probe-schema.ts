// The schema of one probe entry: a discriminated union on `kind`, with per-kind defaults in one place.
import { z } from 'zod';
import { duration } from '../config/duration-schema.js';
import { byteSize } from './byte-size-schema.js';

export const probeActions = ['restart', 'notify', 'none'] as const;
export type ProbeAction = (typeof probeActions)[number];

const probeName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, 'expected a name of letters, digits, "-", "_" or "." (at most 63, starting with a letter or digit)');

interface CommonDefaults {
  interval?: number;
  timeout?: number;
  failureThreshold?: number;
  startupGrace?: number;
  action: ProbeAction;
}

/** Fields every probe has; defaults differ per kind (memory ticks every second, log/config only notify). */
function common(d: CommonDefaults) {
  return {
    /** Unique within the service; defaults to the kind. */
    name: probeName.optional(),
    interval: duration.pipe(z.number().min(100, 'expected an interval of at least 100ms')).default(d.interval ?? 5_000),
    /** Bound of one check; a check that runs longer is aborted. */
    timeout: duration.pipe(z.number().min(1)).default(d.timeout ?? 2_000),
    /** Consecutive failures before the verdict turns unhealthy. */
    failureThreshold: z.number().int().min(1).max(1000).default(d.failureThreshold ?? 3),
    /**
     * Consecutive checks that could not run (unknown: a certificate not accepted, a name that does not resolve) before one
     * warning (probe.unknown) says nobody can judge the service; one probe.known when a check judges again. Never a restart.
     */
    unknownThreshold: z.number().int().min(1).max(1000).default(3),
    /** Consecutive successes before the verdict turns healthy. */
    successThreshold: z.number().int().min(1).max(1000).default(1),
    /** No unhealthy verdict until the instance first passed or this much time has gone by since it started. */
    startupGrace: duration.default(d.startupGrace ?? 30_000),
    /** What an unhealthy verdict asks for. */
    action: z.enum(probeActions).default(d.action),
  };
}

const headers = z.record(z.string(), z.string()).default({});

/** An expected HTTP status: 200, "200-299" or "2xx". */
export const statusSpec = z.union([
  z.number().int().min(100).max(599),
  z.string().regex(/^(?:[1-5]xx|[1-5]\d\d(?:-[1-5]\d\d)?)$/, 'expected a status such as 200, "200-299" or "2xx"'),
]);
export type StatusSpec = z.output<typeof statusSpec>;

export const httpUrl = z
  .string()
  .refine((u) => URL.canParse(u) && /^https?:$/.test(new URL(u).protocol), 'expected an http:// or https:// URL');

const jsonMatch = z.strictObject({
  /** Dotted path into the JSON body, e.g. "status" or "checks.db.ok"; "" is the whole body. */
  path: z.string(),
  equals: z.union([z.string(), z.number(), z.boolean(), z.null()]),
});

const processProbe = z.strictObject({ kind: z.literal('process'), ...common({ action: 'restart' }) });

const httpProbe = z.strictObject({
  kind: z.literal('http'),
  ...common({ action: 'restart' }),
  url: httpUrl,
  method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'OPTIONS']).default('GET'),
  headers,
  body: z.string().optional(),
  /** Expected statuses; default 200-399. */
  expectStatus: z.array(statusSpec).min(1).optional(),
  bodyContains: z.string().min(1).optional(),
  json: jsonMatch.optional(),
  /** Accept self-signed certificates (loopback services). */
  insecure: z.boolean().default(false),
});

const tcpProbe = z.strictObject({
  kind: z.literal('tcp'),
  ...common({ action: 'restart' }),
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(1).max(65535),
});

const memoryProbe = z
  .strictObject({
    kind: z.literal('memory'),
    // Every second, judged at the 2nd reading over the limit and without start-up grace: a fast
    // leak must be caught before RSS overshoots by much, and memory is no readiness question.
    ...common({ action: 'restart', interval: 1_000, failureThreshold: 2, startupGrace: 0 }),
    /** RSS of the whole process tree above this: notify only (success with finding memory-warn). */
    warn: byteSize.optional(),
    /** RSS of the whole process tree above this: failure (finding memory-limit). */
    limit: byteSize.optional(),
  })
  .refine((p) => p.warn !== undefined || p.limit !== undefined, { message: 'expected warn or limit (or both)' })
  .refine((p) => p.warn === undefined || p.limit === undefined || p.warn < p.limit, {
    message: 'expected warn below limit',
    path: ['warn'],
  });

const hangProbe = z
  .strictObject({
    kind: z.literal('hang'),
    ...common({ action: 'restart' }),
    /** Answer check over HTTP (any status counts as an answer). */
    url: httpUrl.optional(),
    headers,
    /** Answer check over TCP (a connection counts as an answer). */
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(1).max(65535).optional(),
  })
  .refine((p) => !(p.url !== undefined && p.port !== undefined), { message: 'expected url or port, not both', path: ['port'] });

const configProbe = z.strictObject({
  kind: z.literal('config'),
  ...common({ action: 'notify', timeout: 10_000 }),
  /** Overrides of the service's configFile; by default the probe checks the service's configFile. */
  path: z.string().min(1).optional(),
  format: z.enum(['auto', 'json', 'json5', 'yaml']).optional(),
  validateCommand: z.array(z.string()).min(1).optional(),
});

const logProbe = z
  .strictObject({
    kind: z.literal('log'),
    ...common({ action: 'notify', failureThreshold: 1 }),
    /** Regular expression tested against each new line. */
    pattern: z.string().min(1),
    /** RegExp flags among i, m, s, u. */
    flags: z.string().regex(/^[imsu]*$/, 'expected flags among i, m, s, u').default(''),
    /** The finding reported on a match, e.g. "port-in-use" for EADDRINUSE. */
    finding: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'expected a lower-case kebab-case name').default('log-pattern'),
    /** Overrides the service's log file. */
    file: z.string().min(1).optional(),
    /** At most this many new bytes are read per tick; beyond that the oldest unread bytes are skipped. */
    maxBytesPerTick: byteSize.default(256 * 1024),
  })
  .superRefine((p, ctx) => {
    try {
      new RegExp(p.pattern, p.flags);
    } catch (err) {
      ctx.addIssue({ code: 'custom', path: ['pattern'], message: `invalid regular expression: ${(err as Error).message}` });
    }
  });

const commandProbe = z.strictObject({
  kind: z.literal('command'),
  ...common({ action: 'restart', timeout: 10_000 }),
  /** argv, run without a shell; "{pid}" is replaced by the service's pid. Exit 0 = healthy. */
  command: z.array(z.string().min(1)).min(1),
  cwd: z.string().optional(),
  env: z.record(z.string(), z.string()).default({}),
});

/** OpenClaw deep readiness: /readyz from loopback, a verdict per failing subsystem (src/probes/readiness-probe.ts). */
const openclawReadinessProbe = z.strictObject({
  kind: z.literal('openclaw-readiness'),
  ...common({ action: 'restart', interval: 15_000, timeout: 5_000, failureThreshold: 2, startupGrace: 180_000 }),
  url: httpUrl,
  /** A failing channel: the gateway's own auto-restarts (10, backoff 5 s to 5 min) and health monitor get this long first. */
  channelBound: duration.default(600_000),
  /** Past a plugin reload's own recovery deadline: this much more. */
  pluginReloadSlack: duration.default(30_000),
  /** Any other failing subsystem (an agent or state database refused, draining, start-up pending). */
  otherBound: duration.default(120_000),
  /** Accept a self-signed certificate (a gateway with gateway.tls.enabled generates one). */
  insecure: z.boolean().default(false),
});

export const probeKinds = ['process', 'http', 'tcp', 'memory', 'hang', 'config', 'log', 'command', 'openclaw-readiness'] as const;
export type ProbeKind = (typeof probeKinds)[number];

export const probeSchema = z
  .discriminatedUnion('kind', [processProbe, httpProbe, tcpProbe, memoryProbe, hangProbe, configProbe, logProbe, commandProbe, openclawReadinessProbe])
  .transform((p) => ({ ...p, name: p.name ?? p.kind }));

export type ProbeConfig = z.output<typeof probeSchema>;
export type ProbeConfigOf<K extends ProbeKind> = Extract<ProbeConfig, { kind: K }>;
export type ProbeInput = z.input<typeof probeSchema>;

/** A probe entry with every default filled in, e.g. defaultProbeFor('tcp', { port: 18789 }). */
export function defaultProbeFor<K extends ProbeKind>(kind: K, fields: Omit<Extract<ProbeInput, { kind: K }>, 'kind'>): ProbeConfigOf<K> {
  return probeSchema.parse({ ...fields, kind }) as ProbeConfigOf<K>;
}
