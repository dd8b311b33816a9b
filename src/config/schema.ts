// The config file's shape: every field, its default and its limits, in one place.
import { z } from 'zod';
import { duration, timeBound } from './duration-schema.js';
import { byteSize } from '../probes/byte-size-schema.js';
import { probeSchema } from '../probes/probe-schema.js';
import { notifySchema } from '../notify/notify-schema.js';
import { emergencySchema } from '../emergency/emergency-schema.js';
import { predictionSchema } from '../predict/predict-schema.js';
import { autoscaleSchema } from '../autoscale/autoscale-schema.js';
import { openclawSchema } from '../openclaw/openclaw-schema.js';
import { updateSchema } from '../update/update-schema.js';
import { clusterSchema, placementSchema } from '../cluster/cluster-schema.js';

/** A regular expression's source, checked to compile (restart patterns matched against a service's last lines). */
export const regexSource = z
  .string()
  .min(1)
  .refine(
    (v) => {
      try {
        new RegExp(v);
        return true;
      } catch {
        return false;
      }
    },
    { message: 'expected a valid regular expression' },
  );

const signalName = z.enum(['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGKILL']);

const serviceName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, 'expected a name of letters, digits, "-", "_" or "." (at most 63, starting with a letter or digit)');

export const backoffSchema = z.strictObject({
  /** Delay of the second restart; the first restart after a crash is immediate. */
  initial: duration.default(100),
  max: duration.default(15_000),
  multiplier: z.number().min(1).max(10).default(2),
  /** Fraction of random spread, 0.2 = ±20 %. */
  jitter: z.number().min(0).max(1).default(0.2),
});

export const restartSchema = z.strictObject({
  policy: z.enum(['always', 'on-failure', 'never']).default('always'),
  backoff: backoffSchema.prefault({}),
  /** Uptime after which the backoff starts over from an immediate restart. */
  stableAfter: duration.default(30_000),
  /** Restart intensity (OTP): more than maxRestarts restarts within window trips the crash-loop breaker. */
  intensity: z
    .strictObject({
      maxRestarts: z.number().int().min(1).max(1000).default(10),
      window: duration.default(180_000),
    })
    .prefault({}),
  /**
   * The guardian's start limit (systemd's StartLimitBurst/StartLimitIntervalSec) for a service it starts itself while no
   * daemon can run: its passes come a minute apart, so `intensity` (10 in 3m) never trips there. More than `burst`
   * exits of the instances it started within `interval` trip the crash-loop breaker (held until `clawback resume`).
   */
  guardianStartLimit: z
    .strictObject({
      burst: z.number().int().min(1).max(1000).default(5),
      interval: duration.default(1_800_000),
    })
    .prefault({}),
  /** Exit codes that mean "do not restart blindly": 78 is EX_CONFIG. */
  preventExitCodes: z.array(z.number().int().min(0).max(255)).default([78]),
  /**
   * A restart the service asks its supervisor for: a clean exit (code 0) of an instance that was healthy, whose last
   * output lines match this regular expression, is started again at once, with no incident and no count toward the
   * crash-loop limit (OpenClaw under OPENCLAW_SUPERVISOR_MODE=external exits 0 to be restarted after SIGUSR2, a config
   * change or an update). Anything else about that exit (an instance never healthy, another code) is a failure as before.
   */
  selfRestartPattern: regexSource.or(z.literal('')).optional(),
  /**
   * An exit in preventExitCodes whose last output lines match this regular expression is a problem only a person can fix
   * (OpenClaw: "Refusing to bind gateway to lan without auth." wants a token only its owner can choose): no doctor, no
   * agent, straight to Level 4 with the service's own sentence. Without it (or no match) such an exit goes to the doctor.
   * A service with an `openclaw` block gets the preset's pattern when the key is absent (both patterns); "" turns it off.
   */
  humanOnlyPattern: regexSource.or(z.literal('')).optional(),
  /**
   * An exit in preventExitCodes whose last output lines match this regular expression is no broken config: the service
   * says a new start will do (OpenClaw exits 78 with "migration inputs changed during startup ... Restart OpenClaw" when
   * its config is edited while it starts). Restarted as after any crash (backoff, counted toward the limit), no doctor.
   * A service with an `openclaw` block gets the preset's pattern when the key is absent; "" turns it off.
   */
  retryPattern: regexSource.or(z.literal('')).optional(),
  /** After the breaker trips, try the ladder again after this cool-down (0 = wait for `clawback resume`). */
  coolDown: duration.default(0),
  /**
   * A slow flapper (healthy past doctor.confirmAfter, then down again): a failure within `window` of the last
   * recovery continues the series (numbered incidents, quiet after the first recurrence, the backoff keeps growing);
   * more than maxRecurrences trips the breaker. It starts fresh after `window` of clean running or a person's
   * start/resume/restart. window 0: off.
   */
  flapping: z
    .strictObject({
      window: duration.default(600_000),
      maxRecurrences: z.number().int().min(1).max(1000).default(10),
    })
    .prefault({}),
});

export const stopSchema = z.strictObject({
  signal: signalName.default('SIGTERM'),
  /** Time between the stop signal and SIGKILL of the whole process group. */
  grace: duration.default(5_000),
  /** Grace for an instance judged hung (its event loop cannot act on the signal anyway). */
  hangGrace: duration.default(1_000),
  /**
   * Grace for a planned restart (memory limit, prediction, readiness, a person's restart): the service drains its
   * work first (OpenClaw: up to 315 s + 15 s). Default: grace. A hang keeps hangGrace.
   */
  drainGrace: duration.optional(),
});

/**
 * Kubernetes' startupProbe: a start-up window after each start in which the restart probes' failures are not counted
 * (memory excepted). It ends at the first healthy check, or at `timeout` (the budget K8s spells failureThreshold x
 * periodSeconds): then the start is judged failed and the reducer restarts it. Absent: only each probe's startupGrace.
 */
export const startupSchema = z.strictObject({
  timeout: duration.pipe(z.number().min(1_000, { message: 'expected a start-up window of at least 1s' })),
});

export const logsSchema = z.strictObject({
  /** Directory for the service's output; default <stateDir>/logs. */
  dir: z.string().optional(),
  /** "10MiB" or a number of bytes, as the memory probe's limit is written. */
  maxBytes: byteSize.pipe(z.number().int().min(1024, { message: 'expected at least 1024 bytes (1KiB)' })).default(10 * 1024 * 1024),
  keep: z.number().int().min(0).max(100).default(3),
  /**
   * Redact the service's own output before it reaches its log file (secrets of its environment, known token
   * shapes). Off by default: it is the service's output. Costs one small process per running service.
   */
  redact: z.boolean().default(false),
});

export const configFileSchema = z.strictObject({
  path: z.string().min(1),
  format: z.enum(['auto', 'json', 'json5', 'yaml']).default('auto'),
  /** Optional command (argv) that validates the file; exit 0 = valid. "{file}" is replaced by the path. */
  validateCommand: z.array(z.string()).min(1).optional(),
  /** Bound of one validateCommand run (OpenClaw's validator takes 4-25 s on a busy machine). */
  validateTimeout: timeBound.default(30_000),
  /** Extra restore candidates written by the service itself (e.g. openclaw.json.bak), newest first. */
  backupGlobs: z.array(z.string()).default([]),
  /**
   * Settings a repair must never drop or change silently (dotted paths; "*" matches within one key,
   * "**" any depth; a path protects everything below it), e.g. ["gateway.auth", "gateway.port"].
   */
  protect: z.array(z.string().min(1)).default([]),
  /** Where the service's own config keeps its port (dotted path): a change there is reported when it differs from `port`. */
  portPath: z.string().min(1).optional(),
  /**
   * When the service reads this file (and its `$include`s): "start" (default), only when it starts, so content counts
   * as seen healthy (last-known-good) only if it was on disk when the running instance started; "live", it reloads
   * edits while running (OpenClaw's gateway; the default with an `openclaw` block), so an edit counts once a probe
   * passes after it.
   */
  reload: z.enum(['start', 'live']).optional(),
});

export const doctorSchema = z.strictObject({
  /** The service's own repair command (argv), e.g. ["openclaw","doctor","--fix","--non-interactive"]. */
  command: z.array(z.string()).min(1).optional(),
  timeout: timeBound.default(60_000),
  /** Doctor runs per incident before escalating. */
  attempts: z.number().int().min(0).max(10).default(2),
  /** Healthy this long with a new config checksum -> the config is saved as last-known-good. */
  snapshotAfter: duration.default(30_000),
  /** Health must hold this long before an incident counts as resolved (every level: a crash loop stays one incident). */
  confirmAfter: duration.default(5_000),
  /** How many last-known-good snapshots to keep. */
  keepSnapshots: z.number().int().min(1).max(100).default(10),
});

/**
 * A service that another manager runs (systemd, launchd, the kubelet): Clawback does not spawn it,
 * it finds its pid and asks that manager to start or restart it.
 */
export const externalSchema = z.strictObject({
  /** argv printing the main pid (the first integer in its output; 0 or nothing = not running). */
  pidCommand: z.array(z.string().min(1)).min(1).optional(),
  /** Alternatively a pid file written by the service. */
  pidFile: z.string().optional(),
  /** argv that restarts it (e.g. ["systemctl","--user","restart","openclaw-gateway.service"]). */
  restartCommand: z.array(z.string().min(1)).min(1),
  /** argv that starts it when it is not running; default restartCommand. */
  startCommand: z.array(z.string().min(1)).min(1).optional(),
  /** argv that stops it; default: the stop signal to its pid. */
  stopCommand: z.array(z.string().min(1)).min(1).optional(),
  /** Bound for each command and for the new pid to appear. */
  timeout: timeBound.default(30_000),
});

export const serviceSchema = z.strictObject({
  name: serviceName,
  /** argv array; with shell: true, a single string run by /bin/sh -c. Not used with `external`. */
  command: z.array(z.string().min(1)).min(1).default([]),
  external: externalSchema.optional(),
  shell: z.boolean().default(false),
  cwd: z.string().optional(),
  env: z.record(z.string(), z.string()).default({}),
  /** Pass the daemon's environment to the service (minus unsetEnv). */
  inheritEnv: z.boolean().default(true),
  /** Variables removed from the inherited environment (e.g. supervisor markers). */
  unsetEnv: z.array(z.string()).default([]),
  /** The port the service listens on (for preflight and port repair). */
  port: z.number().int().min(1).max(65535).optional(),
  autostart: z.boolean().default(true),
  restart: restartSchema.prefault({}),
  stop: stopSchema.prefault({}),
  /** A start-up window for a slow-starting service (see startupSchema); absent: each probe's startupGrace alone. */
  startup: startupSchema.optional(),
  logs: logsSchema.prefault({}),
  probes: z.array(probeSchema).default([]),
  configFile: configFileSchema.optional(),
  doctor: doctorSchema.prefault({}),
  pidFiles: z.array(z.string().min(1)).default([]),
  /** Lock files (paths or globs, e.g. the gateway's `gateway.*.lock`): the doctor removes one only when its owner is provably gone. */
  lockFiles: z.array(z.string().min(1)).default([]),
  /** `clawback update`: versions installed side by side, switched and rolled back (the OpenClaw preset). */
  update: updateSchema.optional(),
  requiredDirs: z.array(z.string().min(1)).default([]),
  requiredEnv: z.array(z.string()).default([]),
  /** Level 3: the AI agent that gets the incident when the doctor could not fix it (absent = straight to a human). */
  emergency: emergencySchema.optional(),
  /** Memory / latency trends and crash patterns: act before the crash. */
  prediction: predictionSchema.prefault({}),
  dependsOn: z.array(serviceName).default([]),
  /** `clawback drill` may inject faults into this service. */
  drillable: z.boolean().default(false),
  /** Run N instances `NAME:0..N-1`, each supervised on its own; `{instance}` and `{port}` are substituted (docs/instances.md). */
  instances: z.number().int().min(1).max(64).optional(),
  /** Change the number of instances by a metric (docs/instances.md). */
  autoscale: autoscaleSchema.optional(),
  /** The service is an OpenClaw gateway: its CLI, channel restarts, evidence, other-supervisor check (src/openclaw). */
  openclaw: openclawSchema.optional(),
  /** With a `cluster:` block: `singleton` runs on the one member holding its etcd lease; `everywhere` on each member. */
  placement: placementSchema,
});

/** OTP-style restart strategies for services supervised together (a gateway and its sidecars). */
export const groupSchema = z.strictObject({
  name: serviceName,
  /** one_for_one: only the failed service restarts; rest_for_one: the services listed after it restart too; one_for_all: all of them. */
  strategy: z.enum(['one_for_one', 'rest_for_one', 'one_for_all']).default('one_for_one'),
  /** Members in start order. */
  services: z.array(serviceName).min(1),
});

/** The daemon's API port when the file names none. */
export const API_DEFAULT_PORT = 18790;

export const apiSchema = z.strictObject({
  host: z.string().default('127.0.0.1'),
  /** 0 picks a free port; the chosen one is written to <stateDir>/daemon.json. */
  port: z.number().int().min(0).max(65535).default(API_DEFAULT_PORT),
});

/** How long old evidence stays in the state dir (daemon/state-retention.ts). */
export const retentionSchema = z.strictObject({
  /** The newest this many incident dirs, update backups, removed locks, drill report runs, removed services' logs and copies of broken files (each kind, each service) always stay. */
  keep: z.number().int().min(1).max(10_000).default(20),
  /** Older ones beyond `keep` are removed at this age. */
  maxAge: duration.default(30 * 86_400_000),
});

export const clawbackConfigSchema = z
  .strictObject({
    $schema: z.string().optional(),
    stateDir: z.string().optional(),
    logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info'),
    api: apiSchema.prefault({}),
    notify: notifySchema.prefault({}),
    services: z.array(serviceSchema).min(1, 'expected at least one service'),
    groups: z.array(groupSchema).default([]),
    retention: retentionSchema.prefault({}),
    /** Several machines, one active instance of each singleton service: leader election through etcd (docs/clustering.md). */
    cluster: clusterSchema.optional(),
  })
  .superRefine((cfg, ctx) => {
    cfg.groups.forEach((g, i) => {
      g.services.forEach((n, j) => {
        if (!cfg.services.some((s) => s.name === n)) ctx.addIssue({ code: 'custom', path: ['groups', i, 'services', j], message: `unknown service "${n}"` });
      });
    });
    const seen = new Set<string>();
    cfg.services.forEach((s, i) => {
      if (seen.has(s.name)) ctx.addIssue({ code: 'custom', path: ['services', i, 'name'], message: `duplicate service name "${s.name}"` });
      seen.add(s.name);
      if (s.command.length === 0 && !s.external) {
        ctx.addIssue({ code: 'custom', path: ['services', i, 'command'], message: 'expected a command (argv array), or an `external` section for a service another manager runs' });
      }
      if (s.external && !s.external.pidCommand && !s.external.pidFile) {
        ctx.addIssue({ code: 'custom', path: ['services', i, 'external'], message: 'expected pidCommand or pidFile, so Clawback can find the running service' });
      }
      if (s.placement === 'singleton' && !cfg.cluster) {
        ctx.addIssue({ code: 'custom', path: ['services', i, 'placement'], message: 'placement: singleton needs a `cluster:` block (etcd endpoints and this member\'s name)' });
      }
      // One instance across the cluster: `instances: 2` made gw:0 and gw:1, each its own election, so two ran at once.
      // `instances: 1` stays valid (a config that has it keeps loading); `clawback scale` refuses a singleton.
      if (s.placement === 'singleton' && s.instances !== undefined && s.instances > 1) {
        ctx.addIssue({ code: 'custom', path: ['services', i, 'instances'], message: `placement: singleton runs exactly one instance across the cluster; expected at most 1 (or no \`instances\`) with placement: singleton (got ${s.instances})` });
      }
      if (s.placement === 'singleton' && s.autoscale) {
        ctx.addIssue({ code: 'custom', path: ['services', i, 'autoscale'], message: `placement: singleton runs exactly one instance across the cluster; expected no \`autoscale\` with placement: singleton (got min ${s.autoscale.min}, max ${s.autoscale.max})` });
      }
      if (s.placement === 'singleton' && s.external) {
        ctx.addIssue({ code: 'custom', path: ['services', i, 'placement'], message: 'placement: singleton is for services Clawback spawns (the fence guard must own the process group), not `external` ones' });
      }
      if (s.shell && s.command.length !== 1) {
        ctx.addIssue({ code: 'custom', path: ['services', i, 'command'], message: 'with shell: true, expected a single command string' });
      }
      const probeNames = new Set<string>();
      s.probes.forEach((p, j) => {
        const n = p.name ?? p.kind;
        if (probeNames.has(n)) ctx.addIssue({ code: 'custom', path: ['services', i, 'probes', j, 'name'], message: `duplicate probe name "${n}" (give each probe of a service its own name)` });
        probeNames.add(n);
      });
      s.dependsOn.forEach((d, j) => {
        if (d === s.name) ctx.addIssue({ code: 'custom', path: ['services', i, 'dependsOn', j], message: 'a service cannot depend on itself' });
        if (!cfg.services.some((o) => o.name === d)) {
          ctx.addIssue({ code: 'custom', path: ['services', i, 'dependsOn', j], message: `unknown service "${d}"` });
        }
      });
    });
    // Refused here, not at start-up: a reload adding a cycle stopped the changed services, then threw before starting
    // them, and the daemon's shutdown (its stop order) threw on the cycle too, leaving the rest running unsupervised.
    const cycle = dependencyCycle(cfg.services);
    if (cycle) {
      const i = cfg.services.findIndex((s) => s.name === cycle[0]);
      ctx.addIssue({ code: 'custom', path: ['services', i, 'dependsOn'], message: `dependency cycle: ${cycle.join(' -> ')}` });
    }
  });

/** The first cycle in the services' dependsOn (names, first repeated at the end), or null; self and unknown names aside. */
function dependencyCycle(services: ReadonlyArray<{ name: string; dependsOn: string[] }>): string[] | null {
  const byName = new Map(services.map((s) => [s.name, s]));
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (name: string): string[] | null => {
    if (done.has(name)) return null;
    const at = path.indexOf(name);
    if (at >= 0) return [...path.slice(at), name];
    path.push(name);
    for (const dep of byName.get(name)?.dependsOn ?? []) {
      if (dep === name) continue;
      const found = visit(dep);
      if (found) return found;
    }
    path.pop();
    done.add(name);
    return null;
  };
  for (const s of services) {
    const found = visit(s.name);
    if (found) return found;
  }
  return null;
}

export type ClawbackConfig = z.output<typeof clawbackConfigSchema>;
export type ServiceConfig = z.output<typeof serviceSchema>;
export type RestartConfig = z.output<typeof restartSchema>;
export type BackoffConfig = z.output<typeof backoffSchema>;
export type GroupConfig = z.output<typeof groupSchema>;
export type ExternalConfig = z.output<typeof externalSchema>;
