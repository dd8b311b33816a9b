// The notifier: filters, deduplicates, spools to disk and delivers every event to every channel, in order.
import os from 'node:os';
import path from 'node:path';
import type { Clock, TimerHandle } from '../platform/clock.js';
import type { Redactor } from '../observe/redact.js';
import type { ClawbackEvent } from '../observe/events.js';
import type { ChannelAdapter } from './channel.js';
import { createChannelAdapter } from './channel-registry.js';
import { notifySecrets, type ChannelConfig, type NotifyConfig } from './notify-schema.js';
import { channelAccepts } from './filter.js';
import { DedupWindow } from './dedup.js';
import { ReminderTracker } from './reminders.js';
import { Outbox, type OutboxEntry } from './outbox.js';
import { formatNotification, type Notification } from './format.js';
import { classifyAnswer, retryDelay, type DeliveryOutcome } from './delivery-outcome.js';
import { describeError, sendHttp } from './http-send.js';

export type NotifyLog = (msg: string, extra?: object) => void;

export interface NotifierDeps {
  stateDir: string;
  clock: Clock;
  redactor: Redactor;
  hostname?: string;
  log?: NotifyLog;
  /** Source of jitter in [0, 1); defaults to Math.random. */
  random?: () => number;
}

export interface NotifyStats {
  /** Accepted by the endpoint. */
  delivered: number;
  /** Refused for good (4xx other than 408/429), or refused maxAttempts times. */
  failed: number;
  /** Expired in the outbox (older than outboxMaxAge). */
  dropped: number;
  /** Identical events inside dedupWindow, not sent again. */
  suppressed: number;
}

export interface ChannelTestResult {
  channel: string;
  ok: boolean;
  status?: number;
  error?: string;
}

export interface Notifier {
  /** Queues an event for every channel that wants it. Never throws, never waits. */
  publish(event: ClawbackEvent): void;
  /**
   * Tells the reminders about an incident that is already open (it was announced before a daemon
   * restart): nothing is sent now, reminders resume from here.
   */
  remember(event: ClawbackEvent): void;
  /** Resolves when nothing is pending (or after timeoutMs, default 10 s, on the injected clock). */
  flush(timeoutMs?: number): Promise<void>;
  /** Cancels reminders, retries and requests in flight; pending messages stay on disk. Idempotent. */
  stop(): Promise<void>;
  /** Sends a test message straight to one channel (by name) or to every enabled channel. */
  test(channelName?: string): Promise<ChannelTestResult[]>;
  /** Messages not yet delivered, over all channels. */
  outboxDepth(): number;
  stats(): NotifyStats;
}

/** Extra wait after a server's Retry-After, so the retry never lands early. */
const RETRY_AFTER_MARGIN_MS = 25;
/** While an endpoint stays down, log the failure again every this many tries. */
const LOG_EVERY_TRIES = 10;

interface Pending {
  entry: OutboxEntry;
  persisted: Promise<void>;
}

interface ChannelRuntime {
  name: string;
  cfg: ChannelConfig;
  adapter: ChannelAdapter;
  queue: Pending[];
  worker: Promise<void> | undefined;
  /** Set only after an unexpected worker crash: the delayed restart. */
  restart: TimerHandle | undefined;
  failing: boolean;
}

type DeliveryResult = 'delivered' | 'failed' | 'dropped' | 'stopped';

export function createNotifier(config: NotifyConfig, deps: NotifierDeps): Notifier {
  const { clock, redactor } = deps;
  const host = deps.hostname ?? os.hostname();
  const random = deps.random ?? Math.random;
  const rawLog: NotifyLog = deps.log ?? (() => undefined);
  for (const secret of notifySecrets(config)) redactor.addSecret(secret);

  /** Every log line and error passes the redactor, which knows the webhook URLs and tokens. */
  const log = (msg: string, extra?: Record<string, unknown>): void => {
    try {
      rawLog(redactor.redact(msg), extra ? redactor.redactDeep(extra) : undefined);
    } catch {
      // A broken logger must not break delivery.
    }
  };
  const scrub = (text: string): string => redactor.redact(text);

  const stats: NotifyStats = { delivered: 0, failed: 0, dropped: 0, suppressed: 0 };
  const stopCtrl = new AbortController();
  let stopped = false;
  let stopping: Promise<void> | undefined;
  const idleWaiters = new Set<() => void>();
  const backoff = { initialMs: config.backoff.initial, maxMs: Math.max(config.backoff.initial, config.backoff.max) };

  const channels: ChannelRuntime[] = config.channels.map((cfg) => ({
    name: cfg.name,
    cfg,
    adapter: createChannelAdapter(cfg),
    queue: [],
    worker: undefined,
    restart: undefined,
    failing: false,
  }));
  const enabled = channels.filter((c) => c.cfg.enabled);

  // Whatever a previous run left undelivered goes first, in its original order.
  const outbox = new Outbox(path.join(deps.stateDir, 'outbox'));
  let outboxUsable = true;
  try {
    const loaded = outbox.loadSync();
    for (const file of loaded.corrupt) log('notify: unreadable outbox file kept aside as .corrupt', { file });
    for (const [dir, entries] of loaded.byChannel) {
      const ch = enabled.find((c) => c.name === dir);
      if (!ch) {
        log('notify: outbox holds messages for a channel that is not configured (or disabled); they are kept', { channel: dir, pending: entries.length });
        continue;
      }
      ch.queue.push(...entries.map((entry) => ({ entry, persisted: Promise.resolve() })));
      log('notify: resuming delivery of pending messages', { channel: dir, pending: entries.length });
    }
  } catch (err) {
    outboxUsable = false;
    log('notify: outbox directory unusable; alerts are kept in memory only', { error: scrub(describeError(err)) });
  }

  const dedup = new DedupWindow(config.dedupWindow);
  const reminders = new ReminderTracker(clock, config.reminderInterval, (last, openedAt) => {
    const event: ClawbackEvent = { ...last, time: clock.now(), details: { ...(last.details ?? {}), reminder: true } };
    enqueue(event, 'reminder', openedAt);
  });

  function isIdle(): boolean {
    return channels.every((c) => c.queue.length === 0);
  }

  function wakeIdleWaiters(): void {
    if (!isIdle() && !stopped) return;
    for (const w of [...idleWaiters]) w();
  }

  function render(entry: OutboxEntry): Notification {
    return formatNotification(redactor.redactDeep(entry.event), {
      kind: entry.kind,
      now: clock.now(),
      host,
      ...(entry.openedAt !== undefined ? { openedAt: entry.openedAt } : {}),
    });
  }

  function enqueue(event: ClawbackEvent, kind: OutboxEntry['kind'], openedAt?: number): void {
    for (const ch of enabled) {
      if (!channelAccepts(ch.cfg, event)) continue;
      const entry: OutboxEntry = {
        v: 1,
        seq: outbox.nextSeq(),
        channel: ch.name,
        kind,
        event,
        createdAt: clock.now(),
        ...(openedAt !== undefined ? { openedAt } : {}),
      };
      const persisted = outboxUsable
        ? outbox.write(entry).catch((err: unknown) => {
            log('notify: could not write the outbox; this message is held in memory only', { channel: ch.name, error: scrub(describeError(err)) });
          })
        : Promise.resolve();
      ch.queue.push({ entry, persisted });
      kick(ch);
    }
  }

  function kick(ch: ChannelRuntime): void {
    if (ch.worker || ch.restart || stopped || ch.queue.length === 0) return;
    ch.worker = drain(ch).then(
      () => false,
      (err: unknown) => {
        log('notify: delivery worker failed; restarting it later', { channel: ch.name, error: scrub(describeError(err)) });
        return true;
      },
    ).then((crashed) => {
      ch.worker = undefined;
      // Messages queued while the worker was finishing must not wait for the next publish.
      if (!stopped && ch.queue.length > 0) {
        if (!crashed) kick(ch);
        else {
          ch.restart = clock.setTimeout(() => {
            ch.restart = undefined;
            kick(ch);
          }, backoff.maxMs);
        }
      }
      wakeIdleWaiters();
    });
  }

  async function drain(ch: ChannelRuntime): Promise<void> {
    while (!stopped && ch.queue.length > 0) {
      const head = ch.queue[0]!;
      await head.persisted;
      const result = await deliver(ch, head.entry);
      if (result === 'stopped') return;
      try {
        await outbox.remove(head.entry);
      } catch (err) {
        log('notify: could not remove a delivered message from the outbox', { channel: ch.name, error: scrub(describeError(err)) });
      }
      ch.queue.shift();
      wakeIdleWaiters();
    }
  }

  async function deliver(ch: ChannelRuntime, entry: OutboxEntry): Promise<DeliveryResult> {
    let counted = 0;
    for (let tries = 1; ; tries++) {
      if (stopped) return 'stopped';
      const ageMs = clock.now() - entry.createdAt;
      if (ageMs > config.outboxMaxAge) {
        stats.dropped++;
        log('notify: dropped a message older than outboxMaxAge', { channel: ch.name, type: entry.event.type, ageMs });
        return 'dropped';
      }
      let request;
      try {
        request = ch.adapter.build(render(entry));
      } catch (err) {
        stats.failed++;
        log('notify: could not build the message; dropped', { channel: ch.name, type: entry.event.type, error: scrub(String(err)) });
        return 'failed';
      }
      let outcome: DeliveryOutcome;
      try {
        const answer = await sendHttp(request, { clock, timeoutMs: config.timeout, signal: stopCtrl.signal });
        outcome = classifyAnswer(answer, clock.now());
      } catch (err) {
        if (stopped) return 'stopped';
        outcome = { kind: 'retry', reason: describeError(err), counts: false };
      }
      if (outcome.kind === 'ok') {
        stats.delivered++;
        if (ch.failing) log('notify: channel reachable again', { channel: ch.name, tries });
        ch.failing = false;
        return 'delivered';
      }
      if (outcome.kind === 'permanent') {
        stats.failed++;
        log('notify: message refused by the endpoint; dropped', { channel: ch.name, type: entry.event.type, reason: scrub(outcome.reason) });
        return 'failed';
      }
      if (outcome.counts) counted++;
      if (counted >= config.maxAttempts) {
        stats.failed++;
        log('notify: giving up on a message after maxAttempts refusals', { channel: ch.name, type: entry.event.type, attempts: counted, reason: scrub(outcome.reason) });
        return 'failed';
      }
      const delayMs = outcome.afterMs !== undefined ? outcome.afterMs + RETRY_AFTER_MARGIN_MS : retryDelay(tries, backoff, random());
      if (!ch.failing || tries % LOG_EVERY_TRIES === 1 || outcome.afterMs !== undefined) {
        log('notify: delivery failed; will retry', { channel: ch.name, type: entry.event.type, try: tries, retryInMs: delayMs, reason: scrub(outcome.reason) });
      }
      ch.failing = true;
      try {
        await clock.sleep(delayMs, stopCtrl.signal);
      } catch {
        return 'stopped';
      }
    }
  }

  function redactEvent(event: ClawbackEvent): ClawbackEvent {
    return redactor.redactDeep(event);
  }

  const notifier: Notifier = {
    remember(event: ClawbackEvent): void {
      if (!stopped) reminders.observe(redactEvent(event));
    },
    publish(event: ClawbackEvent): void {
      try {
        if (stopped) {
          log('notify: event published after stop(); not sent', { type: event?.type });
          return;
        }
        const safe = redactEvent(event);
        reminders.observe(safe);
        if (!dedup.admit(safe, clock.now())) {
          stats.suppressed++;
          return;
        }
        enqueue(safe, 'event');
      } catch (err) {
        log('notify: could not queue an event', { error: scrub(describeError(err)) });
      }
    },

    flush(timeoutMs = 10_000): Promise<void> {
      if (isIdle() || stopped) return Promise.resolve();
      return new Promise<void>((resolve) => {
        let timedOut = false;
        let timer: { cancel(): void } | undefined;
        const done = (): void => {
          if (!isIdle() && !stopped && !timedOut) return;
          idleWaiters.delete(done);
          timer?.cancel();
          resolve();
        };
        timer = clock.setTimeout(() => {
          timedOut = true;
          done();
        }, timeoutMs);
        idleWaiters.add(done);
      });
    },

    stop(): Promise<void> {
      if (stopping) return stopping;
      stopped = true;
      reminders.stop();
      for (const ch of channels) ch.restart?.cancel();
      stopCtrl.abort(new Error('notifier stopped'));
      wakeIdleWaiters();
      const pending = channels.flatMap((c) => [...c.queue.map((p) => p.persisted), ...(c.worker ? [c.worker] : [])]);
      stopping = Promise.allSettled(pending).then(() => undefined);
      return stopping;
    },

    async test(channelName?: string): Promise<ChannelTestResult[]> {
      const targets = channelName === undefined ? enabled : channels.filter((c) => c.name === channelName);
      if (channelName !== undefined && targets.length === 0) {
        const known = channels.map((c) => c.name).join(', ') || 'none';
        return [{ channel: channelName, ok: false, error: `no channel named "${channelName}" (configured: ${known})` }];
      }
      return Promise.all(
        targets.map(async (ch): Promise<ChannelTestResult> => {
          const now = clock.now();
          const event: ClawbackEvent = {
            type: 'notify.test',
            time: now,
            severity: 'info',
            message: `Test notification from Clawback on ${host}: channel "${ch.name}" (${ch.cfg.type}) is working.`,
          };
          const n = formatNotification(event, { kind: 'test', now, host });
          try {
            const answer = await sendHttp(ch.adapter.build(n), { clock, timeoutMs: config.timeout, signal: stopCtrl.signal });
            const outcome = classifyAnswer(answer, clock.now());
            if (outcome.kind === 'ok') return { channel: ch.name, ok: true, status: answer.status };
            return { channel: ch.name, ok: false, status: answer.status, error: scrub(outcome.reason) };
          } catch (err) {
            return { channel: ch.name, ok: false, error: scrub(describeError(err)) };
          }
        }),
      );
    },

    outboxDepth(): number {
      return channels.reduce((n, c) => n + c.queue.length, 0);
    },

    stats(): NotifyStats {
      return { ...stats };
    },
  };

  // Deliver what the previous run left behind.
  for (const ch of enabled) kick(ch);
  return notifier;
}
