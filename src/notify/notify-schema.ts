// The `notify:` config section: which channels get which events, and how hard we try to deliver.
import { z } from 'zod';
import { duration, timeBound } from '../config/duration-schema.js';
import type { EventType } from '../observe/events.js';

/** Every event type, for allow-lists and exclusions (kept in step with src/observe/events.ts). */
export const EVENT_TYPES = [
  'daemon.started',
  'daemon.stopped',
  'daemon.adopted',
  'daemon.history-lost',
  'daemon.fault',
  'daemon.housekeeping',
  'guardian.revived',
  'service.started',
  'service.exited',
  'service.stopped',
  'service.restart-scheduled',
  'service.restarting',
  'service.healthy',
  'service.unhealthy',
  'service.leftovers-killed',
  'service.left-running',
  'service.pid-file-stale',
  'service.preflight',
  'probe.failed',
  'probe.unknown',
  'probe.known',
  'memory.warning',
  'memory.limit',
  'incident.opened',
  'incident.level',
  'incident.action',
  'incident.resolved',
  'incident.escalated',
  'breaker.tripped',
  'breaker.resumed',
  'config.snapshot',
  'doctor.finding',
  'doctor.repair',
  'agent.started',
  'agent.finished',
  'prediction.warning',
  'maintenance.started',
  'maintenance.ended',
  'maintenance.reminder',
  'notify.test',
  'notify.undelivered',
  'notify.spool-rewritten',
  'notify.suppressed',
  'notify.commands-failing',
  'notify.commands-recovered',
  'daemon.degraded',
  'daemon.recovered',
  'daemon.crashed',
  'daemon.died',
  'daemon.machine-restarted',
  'daemon.paused',
  'daemon.acknowledged',
  'config.reloaded',
  'config.reload-failed',
  'service.scaled',
  'service.scale-refused',
  'service.autoscale-held',
  'service.rollout-done',
  'service.rollout-failed',
  'readiness.failing',
  'readiness.recovered',
  'service.scope-restarted',
  'service.reset',
  'openclaw.evidence',
  'openclaw.other-supervisor',
  'update.started',
  'update.step',
  'update.succeeded',
  'update.rolled-back',
  'update.failed',
  'cluster.leader',
  'cluster.standby',
  'cluster.fenced',
  'cluster.failover',
  'cluster.etcd-unreachable',
  'cluster.etcd-reachable',
] as const satisfies readonly EventType[];

/** Fails to compile when src/observe/events.ts gains a type missing above: add it to EVENT_TYPES. */
type MissingEventTypes = Exclude<EventType, (typeof EVENT_TYPES)[number]>;
export const EVENT_TYPES_COMPLETE: [MissingEventTypes] extends [never] ? true : MissingEventTypes = true;

const KNOWN_TYPES: ReadonlySet<string> = new Set(EVENT_TYPES);
const KNOWN_PREFIXES: ReadonlySet<string> = new Set(EVENT_TYPES.map((t) => t.split('.')[0]!));

/** An event type, or a family pattern such as `incident.*`. */
const eventPattern = z.string().superRefine((v, ctx) => {
  if (KNOWN_TYPES.has(v)) return;
  const m = /^([a-z]+)\.\*$/.exec(v);
  if (m && KNOWN_PREFIXES.has(m[1]!)) return;
  ctx.addIssue({
    code: 'custom',
    message: `unknown event type ${JSON.stringify(v)}; expected one of ${EVENT_TYPES.join(', ')} or a family such as incident.*`,
  });
});

/** A name of this machine's loopback: the only hosts plain http may go to. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (h === '[::1]' || h === '::1') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** Names the endpoint without echoing its secret path. */
function describeUrl(u: URL): string {
  return `${u.protocol}//${u.host}/…`;
}

/** A URL that must be https, or http on a loopback address; errors never echo the secret path. */
export const endpointUrl = z.string().superRefine((v, ctx) => {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'expected an absolute URL such as https://example.com/hook (value not shown: it may hold a secret)' });
    return;
  }
  if (u.protocol === 'https:') return;
  if (u.protocol === 'http:') {
    if (isLoopbackHost(u.hostname)) return;
    ctx.addIssue({
      code: 'custom',
      message: `must use https; plain http is allowed only for loopback addresses (127.0.0.0/8, ::1, localhost), got ${describeUrl(u)}`,
    });
    return;
  }
  ctx.addIssue({ code: 'custom', message: `must use https (or http on loopback), got scheme ${u.protocol}` });
});

const severityFilter = z.enum(['info', 'warning', 'critical']);

const channelName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'channel names are 1-64 letters, digits, "-" or "_", starting with a letter or digit');

const common = {
  name: channelName.optional(),
  /** Lowest severity sent; `resolved` always passes. */
  minSeverity: severityFilter.default('info'),
  /** Allow-list of event types (or families like `incident.*`); absent = all. */
  events: z.array(eventPattern).optional(),
  /** Event types (or families) never sent to this channel. */
  exclude: z.array(eventPattern).optional(),
  enabled: z.boolean().default(true),
  /**
   * `incident` (default): one live message per incident (edited in place on Discord and Telegram; open, close and
   * escalations elsewhere). `every-event`: one message per event.
   */
  mode: z.enum(['incident', 'every-event']).default('incident'),
};

const discordChannel = z.strictObject({
  type: z.literal('discord'),
  ...common,
  url: endpointUrl,
  username: z.string().min(1).max(80).default('Clawback'),
  avatarUrl: endpointUrl.optional(),
});

const slackChannel = z.strictObject({
  type: z.literal('slack'),
  ...common,
  url: endpointUrl,
});

const telegramChannel = z.strictObject({
  type: z.literal('telegram'),
  ...common,
  botToken: z
    .string()
    .regex(/^[A-Za-z0-9:_-]{8,}$/, 'expected a bot token like 123456789:AA… (value not shown: it is a secret)'),
  chatId: z.union([z.string().min(1), z.number().int()]).transform((v) => String(v)),
  parseMode: z.enum(['HTML', 'MarkdownV2']).default('HTML'),
  apiBase: endpointUrl.default('https://api.telegram.org'),
  messageThreadId: z.number().int().optional(),
  disableNotification: z.boolean().default(false),
  /**
   * Answering from the chat: escalations get buttons (resume, restart, doctor, maintenance, approve/refuse)
   * and the bot takes commands; only these Telegram user ids may act. Absent: alerts stay one-way.
   */
  commands: z
    .strictObject({
      allow: z.array(z.number().int()).min(1),
      /** Long-poll timeout of getUpdates. */
      pollTimeout: duration.default(25_000),
    })
    .optional(),
});

const webhookChannel = z.strictObject({
  type: z.literal('webhook'),
  ...common,
  url: endpointUrl,
  method: z.enum(['POST', 'PUT']).default('POST'),
  /** Extra request headers, e.g. `{ Authorization: "Bearer …" }`; their values are treated as secrets. */
  headers: z.record(z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'invalid header name'), z.string()).default({}),
});

const ntfyChannel = z.strictObject({
  type: z.literal('ntfy'),
  ...common,
  server: endpointUrl.default('https://ntfy.sh'),
  topic: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'ntfy topics are 1-64 letters, digits, "-" or "_"'),
  /** Access token for protected topics (sent as a Bearer token). */
  token: z.string().min(1).optional(),
});

export const channelSchema = z.discriminatedUnion('type', [discordChannel, slackChannel, telegramChannel, webhookChannel, ntfyChannel]);

export const CHANNEL_TYPES = ['discord', 'slack', 'telegram', 'webhook', 'ntfy'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

const MINUTE = 60_000;

export const notifySchema = z
  .strictObject({
    channels: z.array(channelSchema).default([]),
    /** Identical events (type, service, incident, message; a process exit without its uptime) inside this window are sent once. */
    dedupWindow: duration.default(5 * MINUTE),
    /** Reminder while an incident stays open; 0 turns reminders off. */
    reminderInterval: duration.default(60 * MINUTE),
    /** Per-request timeout. */
    timeout: timeBound.default(10_000),
    /** Attempts for a message the endpoint keeps refusing (5xx, 408); unreachable endpoints are retried until outboxMaxAge. */
    maxAttempts: z.number().int().min(1).max(1000).default(8),
    /** Pending messages older than this are dropped from the outbox. */
    outboxMaxAge: duration.default(7 * 24 * 60 * MINUTE),
    /**
     * Alerts kept per channel (pending and dead letters). Past it, new alerts are folded into one summary message
     * ("N alerts suppressed since …, folded: svc ×n, …; latest: …"); a human-needed alert or a daemon fault is always kept.
     */
    outboxLimit: z.number().int().min(10).max(100_000).default(200),
    /** Exponential retry backoff: first delay and cap. */
    backoff: z
      .strictObject({
        initial: duration.default(1000),
        max: duration.default(5 * MINUTE),
      })
      .prefault({}),
  })
  .superRefine((cfg, ctx) => {
    const names = resolveNames(cfg.channels);
    const seen = new Map<string, number>();
    names.forEach((n, i) => {
      const prev = seen.get(n);
      if (prev !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['channels', i, 'name'],
          message: `duplicate channel name ${JSON.stringify(n)} (also channels[${prev}]); give each channel a distinct name`,
        });
      } else seen.set(n, i);
    });
  })
  .transform((cfg) => {
    const names = resolveNames(cfg.channels);
    return { ...cfg, channels: cfg.channels.map((c, i) => ({ ...c, name: names[i]! })) };
  });

/** Default names: the type when it is alone, `type-N` when several channels share it. */
function resolveNames(channels: ReadonlyArray<{ type: string; name?: string | undefined }>): string[] {
  const counts = new Map<string, number>();
  for (const c of channels) counts.set(c.type, (counts.get(c.type) ?? 0) + 1);
  const seen = new Map<string, number>();
  return channels.map((c) => {
    if (c.name) return c.name;
    const k = (seen.get(c.type) ?? 0) + 1;
    seen.set(c.type, k);
    return (counts.get(c.type) ?? 0) > 1 ? `${c.type}-${k}` : c.type;
  });
}

export type NotifyConfig = z.output<typeof notifySchema>;
export type NotifyConfigInput = z.input<typeof notifySchema>;
export type ChannelConfig = NotifyConfig['channels'][number];
