// The notifier: filters, deduplicates, spools to disk and delivers every event to every channel, in order (pages first).
import { setMaxListeners } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import type { Clock, TimerHandle } from '../platform/clock.js';
import type { Redactor } from '../observe/redact.js';
import type { ClawbackEvent } from '../observe/events.js';
import type { ChannelAdapter } from './channel.js';
import { createChannelAdapter } from './channel-registry.js';
import type { ChannelConfig, NotifyConfig } from './notify-schema.js';
import { notifySecrets } from './notify-secrets.js';
import { channelAccepts } from './filter.js';
import { DedupWindow } from './dedup.js';
import { ReminderTracker } from './reminders.js';
import { savedWaitMs, type SavedRateLimit } from './saved-rate-limit.js';
import { alertId, movedChatFor, Outbox, type DeadLetterInfo, type OutboxEntry } from './outbox.js';
import { belongsTo, bookForDestination, bookFrom, planEvent, timelineLines, withMessageId, type IncidentThread, type SendPlan, type ThreadBook } from './incident-thread.js';
import { formatNotification, type Notification } from './format.js';
import { formatDuration } from '../config/duration.js';
import { classifyAnswer, paceAfter, retryDelay, type DeliveryOutcome } from './delivery-outcome.js';
import { describeError, neverSent, sendHttp } from './http-send.js';
import { clearMark, markPublished, missedEvents } from './journal-catch-up.js';
import { fold, foldedFromSaved, mustKeep, savedFolded, summaryEvent, type Folded } from './flood-summary.js';
import { jumpsQueue, nextToSend } from './delivery-order.js';
import { boundStranded, readAnnounced, strandedState, writeAnnounced, writeKept, type StrandedWhy } from './stranded.js';
import { strandedText } from './stranded-text.js';
import { destinationOf, isPositionName, spooledFor } from './destination.js';
import { adoptersByDestination, adoptRenamedBookkeeping, mayAdopt } from './spool-adopt.js';
import { releaseShape, type ReleaseShape } from './release-plan.js';
import { refusedAsTooLarge, shortenNotification } from './shorten.js';
import { sendableRequest, UnsendableRequestError } from './header-values.js';

export type NotifyLog = (msg: string, extra?: object) => void;

export interface NotifierDeps {
  stateDir: string;
  clock: Clock;
  redactor: Redactor;
  hostname?: string;
  log?: NotifyLog;
  /** Source of jitter in [0, 1); defaults to Math.random. */
  random?: () => number;
  /** Warnings (a message moved to the dead letters); defaults to `log`. */
  warn?: NotifyLog;
  /** Every delivery attempt's result (the clawback_notifications_total feeder). */
  onAttempt?: (channel: string, ok: boolean) => void;
  /** Each alert a full outbox did not keep on its own (folded into the summary, or a refused one dropped): the metric's feeder. */
  onOverflow?: (channel: string, how: 'folded' | 'dropped') => void;
  /**
   * The daemon's incident journal (every published event is a line of it, written just before): the notifier marks the
   * last line it took, and after a crash spools the lines journaled past that mark. Without it, no mark is kept.
   */
  journalFile?: string;
  /**
   * Where the "N alerts undelivered to CHANNEL" notice goes: the daemon's bus (journaled, then published back
   * here). Without it the notice is queued directly for the other channels.
   */
  emit?: (event: ClawbackEvent) => void;
  /** The notifier this one replaces (a notify reload): its dedup memory is kept, so a repeat stays suppressed. */
  replaces?: Notifier;
  /** Each failed write of the alert spool (alerts held in memory only): the daemon degrades on it (a warning line in its log was all). */
  onSpoolFault?: (err: unknown) => void;
  /** Each successful write of the alert spool: clears that degraded reason. */
  onSpoolWritten?: () => void;
}

export interface NotifyStats {
  /** Accepted by the endpoint. */
  delivered: number;
  /** Refused for good (4xx other than 408/429), or refused maxAttempts times: moved to the dead letters. */
  failed: number;
  /** Discarded by the user (`clawback notify discard`); nothing else ever drops an alert. */
  dropped: number;
  /** Moved to the dead letters (budget exhausted, refused, or older than outboxMaxAge). */
  deadLettered: number;
  /** Incident mode: steps folded into a live message instead of sent on their own. */
  folded: number;
  /** Identical events inside dedupWindow, not sent again. */
  suppressed: number;
  /** A channel's outbox was full (outboxLimit): folded into a summary message instead of sent on their own. */
  coalesced: number;
}

export interface ChannelFailing {
  since: number;
  tries: number;
  last: string;
  pending: number;
  nextTry?: number;
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
  /** Its memory of events already sent (dedupWindow), for the notifier that replaces it at a reload (deps.replaces). */
  dedupWindow(): DedupWindow;
  /**
   * Resolves when nothing is pending, or nothing left can go before timeoutMs is over (its channel rate-limited or backing
   * off for longer: it stays spooled), or after timeoutMs (default 10 s, on the injected clock).
   */
  flush(timeoutMs?: number): Promise<void>;
  /** Cancels reminders, retries and requests in flight; pending messages stay on disk. Idempotent. */
  stop(): Promise<void>;
  /** Sends a test message straight to one channel (by name) or to every enabled channel. */
  test(channelName?: string): Promise<ChannelTestResult[]>;
  /** Messages not yet delivered, over all channels. */
  outboxDepth(): number;
  /**
   * Alerts not yet delivered, per channel (only those with some; stranded ones under their name), with why the last try
   * failed or that a request was still waiting for its answer: what a shutdown leaves on disk for the next start.
   */
  undelivered(): Record<string, { pending: number; why: string }>;
  /** Undelivered messages in the dead letters, per channel (channels with none are listed with 0). */
  deadLetters(): Record<string, number>;
  /**
   * Alerts a full outbox (outboxLimit) did not keep on their own since the daemon started, per channel (only those with
   * some; a channel no longer configured whose kept alerts were bounded at start too): folded into a summary, or refused
   * ones dropped. Only a log line said it, once per overflow. Carried over a notify reload (deps.replaces).
   */
  overflowed(): Record<string, { folded: number; dropped: number }>;
  /** Messages kept for a channel that is not configured or is disabled (never sent elsewhere), per channel name. */
  stranded(): Record<string, number>;
  /** Why each channel's messages are kept (disabled, removed, moved...): "not a configured channel" is wrong for a moved one. */
  strandedWhy(): Record<string, StrandedWhy>;
  /**
   * Channels unreachable past maxAttempts tries in a row (no answer at all), with the alerts waiting for them and the last
   * error: not dead letters (retried until outboxMaxAge), so status and the dashboard showed nothing for up to 7 days.
   */
  unreachable(): Record<string, { pending: number; reason: string }>;
  /** Channels held by an endpoint's rate-limit wait (a 429, an empty bucket, or one saved by the last run): until when (wall ms) and the alerts waiting. */
  rateLimited(): Record<string, { until: number; pending: number }>;
  /**
   * Channels whose tries fail now (a 5xx, a 429, no answer), from the first failed try on: since when (wall ms), the
   * tries failed in a row, the last answer (redacted), the alerts waiting and when the next try is due (wall ms, while it
   * waits). Before, status said only outboxDepth until the retry budget was spent (8 tries, 2 to 4 minutes).
   */
  failing(): Record<string, ChannelFailing>;
  /** Retries the dead letters (of one channel, or all) now. Returns how many were queued again. */
  retryDeadLetters(channelName?: string): number;
  /** Deletes the dead letters (of one channel, or all), and the messages stranded for it. Returns how many were discarded. */
  discardDeadLetters(channelName?: string): number;
  /**
   * A person's word that the alerts kept for a channel queued for another destination (`moved`, `unknown-destination`) may
   * go where it sends now (a rotated webhook of the same room): they are stamped with it and queued. Never done on its own.
   * Returns how many were released; undefined when the channel is not a configured, enabled one (nothing can be sent).
   */
  releaseStranded(channelName: string): ReleaseShape | undefined;
  stats(): NotifyStats;
}

/** The chat a channel's config names (Telegram), the one a saved move applies to. */
function configuredChat(cfg: ChannelConfig): string | undefined {
  return 'chatId' in cfg ? String(cfg.chatId) : undefined;
}

/** Extra wait after a server's Retry-After, so the retry never lands early. */
const RETRY_AFTER_MARGIN_MS = 25;
/**
 * The longest a server's Retry-After (a 429, or a 503 of maintenance) holds a message back, whatever it asked: a page must
 * not wait an hour on a header. A 5xx's Retry-After was honoured up to an hour.
 */
const RATE_LIMIT_MAX_WAIT_MS = 5 * 60_000;
/** The longest stop() waits for spooled alerts' fsyncs and a worker's last disk step (on the injected clock). */
const STOP_DISK_WAIT_MS = 5_000;
/**
 * The longest wait between tries of a channel in an outage (its alerts dead letters, or said unreachable or rate-limited
 * without end): its return is noticed within it. At the backoff cap (5 minutes) the first alert after a chat service came
 * back waited up to 5 minutes; one try a minute does not hammer a service still down. A Retry-After still holds it longer.
 */
const OUTAGE_RETRY_MAX_MS = 60_000;
/**
 * How long a request is out with no answer before the alert's file records it (OutboxEntry.sending). Marked before every
 * request, a burst of 2000 alerts to a receiver answering in 5 ms spent 14.7 s of 80 s in those synchronous rewrites on the
 * event loop (+24 % CPU); a request answered sooner leaves the file as it was. A stop marks what is still out at once.
 */
export const SENDING_MARK_AFTER_MS = 50;
/** While an endpoint stays down, log the failure again every this many tries. */
const LOG_EVERY_TRIES = 10;
/**
 * How often a channel's whole outbox folder is listed for alerts deleted by hand (between listings only the file of the
 * alert about to go is looked at): listing it before every try cost a readdir and a path per waiting alert, per alert sent
 * (a burst of 2000 alerts: 2 million paths, more than a third of the daemon's CPU).
 */
const MISSING_SCAN_EVERY_MS = 1_000;

interface Pending {
  entry: OutboxEntry;
  persisted: Promise<void>;
  /** Its file was unlinked the moment the endpoint accepted it (removeNow): the worker does not remove it a second time. */
  removed?: true;
  /**
   * Its age (outboxMaxAge) counts on the monotonic clock from here: a step of the wall clock (NTP syncing a board
   * without an RTC) dead-lettered every spooled alert as "older than outboxMaxAge". A spooled one is aged at load.
   */
  age: { atMs: number; sinceMono: number };
  /** Set by discardDeadLetters while the worker holds it. */
  discarded?: boolean;
  /**
   * Tries and counted refusals so far: kept when a page cuts in front of it, so the retry budget (maxAttempts) and the
   * backoff carry over instead of starting again; under a flapping endpoint a warning was otherwise refused for ever.
   */
  attempts?: { tries: number; counted: number };
  /**
   * A flush asked for it while the worker held it (cleared at each try): if that try parks it, it is tried again. A flush
   * landing while it was being moved into dead/ was counted as "queued again", then it was parked unseen.
   */
  retryAsked?: boolean;
}

interface ChannelRuntime {
  name: string;
  cfg: ChannelConfig;
  /** Where it sends (destinationOf): stamped on each alert it spools, which goes nowhere else. */
  dest: string;
  adapter: ChannelAdapter;
  queue: Pending[];
  worker: Promise<void> | undefined;
  /** Set only after an unexpected worker crash: the delayed restart. */
  restart: TimerHandle | undefined;
  /** This spell of failed tries (cleared by a delivery; undefined: the channel is not failing): when its first one failed (wall ms) and how many failed in a row. */
  failedSince: number | undefined;
  failedTries: number;
  /** Why the last try failed (unscrubbed), until a delivery succeeds: what a shutdown that leaves alerts behind names. */
  lastFailure: string | undefined;
  /** The head exhausted its budget: everything queued is a dead letter until a delivery succeeds. */
  dead: boolean;
  /** Refused for good or expired: kept in dead/, retried only on request. */
  parked: Pending[];
  /** Aborted to cut a retry wait short (flush). */
  wake: AbortController;
  /** Incident threads and live-message ids. */
  book: ThreadBook;
  canEdit: boolean;
  /** When this channel's dead letters were last announced on the other channels; cleared by a delivery. */
  noticeAt: number | undefined;
  /** The flood summary still waiting in the queue (more alerts fold into it until the worker takes it), and its count. */
  summary: { pending: Pending; folded: Folded } | undefined;
  /** Monotonic time before which nothing is sent: the endpoint said its rate-limit bucket is empty until then. */
  paceUntil: number;
  /** The channel's rate-limit.json writes, one after another (the last wait asked lands last); stop() waits for them. */
  paceSave: Promise<void> | undefined;
  /** The wait rate-limit.json holds or is about to (monotonic, as paceUntil), undefined once a write failed: a save that changes nothing is not written. */
  paceSaved: number | undefined;
  /** The newest wait to save while a write is queued and not begun (defined exactly then): that write takes it (a burst is one write, not N). */
  paceNext: SavedRateLimit | undefined;
  /**
   * Tries in a row that got no answer at all (refused connection, DNS, TLS, time-out), and whether this outage was said.
   * Such a try spends no maxAttempts, so the alerts never became dead letters: a channel unreachable for days was
   * retried in silence (no warning, nothing on the other channels, nothing in status) until outboxMaxAge.
   */
  unreachable: { tries: number; said: boolean; reason?: string };
  /**
   * The chat the endpoint said this channel's chat became (Telegram: a group upgraded to a supergroup answers 400 with
   * `migrate_to_chat_id`); later alerts go there, and after a restart too (saved beside the outbox) while the config
   * still names the old chat: each restart otherwise had its first alert refused again. Said as a warning.
   */
  movedTo: string | undefined;
  /**
   * Monotonic time its worker sleeps until (a rate-limit wait, a retry's backoff), undefined while it is not sleeping: a
   * flush does not wait for a channel that sends nothing before the flush is over (a SIGTERM waited its whole 5 s for
   * a channel told Retry-After: 30, which then sent nothing anyway).
   */
  asleepUntil: number | undefined;
  /** When alerts of this channel were last found missing from the outbox (deleted by hand) and said: once per dedupWindow. */
  lostAt: number | undefined;
  /** When its outbox folder was last listed for alerts deleted by hand (respoolMissing), monotonic. */
  scannedAt: number | undefined;
}

/** What `notify test` adds to a 429: the channel works but is rate-limited, and for how long (Retry-After or retry_after). */
function rateLimitedText(afterMs: number | undefined): string {
  return afterMs === undefined ? ' (rate-limited; the endpoint gave no Retry-After)' : ` (rate-limited; the endpoint asks to wait ${formatDuration(afterMs)} before the next message)`;
}

type DeliveryResult = 'delivered' | 'parked' | 'discarded' | 'stopped' | 'overtaken';

export function createNotifier(config: NotifyConfig, deps: NotifierDeps): Notifier {
  const { clock, redactor } = deps;
  const host = deps.hostname ?? os.hostname();
  const random = deps.random ?? Math.random;
  const rawLog: NotifyLog = deps.log ?? (() => undefined);
  for (const secret of notifySecrets(config)) redactor.addSecret(secret);
  // Status maps are keyed by channel name (`deadLetters.webhook`): a name is not a secret setting.
  for (const c of config.channels) redactor.addName(c.name);

  /** Every log line and error passes the redactor, which knows the webhook URLs and tokens. */
  const log = (msg: string, extra?: Record<string, unknown>): void => {
    try {
      rawLog(redactor.redact(msg), extra ? redactor.redactDeep(extra) : undefined);
    } catch {
      // A broken logger must not break delivery.
    }
  };
  const scrub = (text: string): string => redactor.redact(text);

  const warn = (msg: string, extra?: Record<string, unknown>): void => {
    if (!deps.warn) return log(msg, extra);
    try {
      deps.warn(redactor.redact(msg), extra ? redactor.redactDeep(extra) : undefined);
    } catch {
      // A broken logger must not break delivery.
    }
  };
  /**
   * Alerts a full outbox did not keep on their own, per channel name (a channel no longer configured too: its kept alerts
   * are bounded at start), since the daemon started: carried over a notify reload, as the dedup memory is.
   */
  const overflow = new Map<string, { folded: number; dropped: number }>(Object.entries(deps.replaces?.overflowed() ?? {}).map(([name, o]) => [name, { ...o }]));
  const overflowed = (channel: string, how: 'folded' | 'dropped', n = 1): void => {
    if (n <= 0) return;
    const o = overflow.get(channel) ?? { folded: 0, dropped: 0 };
    o[how] += n;
    overflow.set(channel, o);
    try {
      for (let i = 0; i < n; i++) deps.onOverflow?.(channel, how);
    } catch {
      // Metrics are best effort.
    }
  };
  const attempted = (channel: string, ok: boolean): void => {
    try {
      deps.onAttempt?.(channel, ok);
    } catch {
      // Metrics are best effort.
    }
  };

  const stats: NotifyStats = { delivered: 0, failed: 0, dropped: 0, suppressed: 0, deadLettered: 0, folded: 0, coalesced: 0 };
  const stopCtrl = new AbortController();
  let stopped = false;
  let stopping: Promise<void> | undefined;
  const idleWaiters = new Set<() => void>();
  const backoff = { initialMs: config.backoff.initial, maxMs: Math.max(config.backoff.initial, config.backoff.max) };
  const outageBackoff = { initialMs: backoff.initialMs, maxMs: Math.max(backoff.initialMs, Math.min(backoff.maxMs, OUTAGE_RETRY_MAX_MS)) };

  // Something other than a folder where a channel's folder goes is moved aside once, said with where it is kept.
  const outbox = new Outbox(path.join(deps.stateDir, 'outbox'), {
    now: () => clock.now(),
    movedAside: (dir, keptAs) => warn(`notify: ${dir} was not a directory: moved aside to ${keptAs} (kept as evidence); alerts are spooled there again`, { movedTo: keptAs }),
  });
  // A channel whose Clawback-given name shifted (`webhook` became `webhook-1`) keeps its 429 wait and live messages.
  for (const move of adoptRenamedBookkeeping(outbox, config.channels)) log('notify: bookkeeping follows its destination to its new channel name', { move });
  const channels: ChannelRuntime[] = config.channels.map((cfg) => {
    const adapter = createChannelAdapter(cfg);
    // A wait a previous run was given (saved as wall time) still holds: broken early, it drew another 429.
    const paceUntil = clock.monotonic() + savedWaitMs(outbox.readRateLimitSync(cfg.name), cfg, clock.now(), RATE_LIMIT_MAX_WAIT_MS + RETRY_AFTER_MARGIN_MS);
    return {
      name: cfg.name,
      cfg,
      dest: destinationOf(cfg),
      adapter,
      queue: [],
      worker: undefined,
      restart: undefined,
      failedSince: undefined,
      failedTries: 0,
      lastFailure: undefined,
      dead: false,
      parked: [],
      wake: new AbortController(),
      book: bookFrom(outbox.readThreadsSync(cfg.name)),
      canEdit: !!adapter.buildEdit && !!adapter.messageIdOf,
      noticeAt: undefined,
      summary: undefined,
      paceUntil,
      paceSave: undefined,
      paceSaved: paceUntil,
      paceNext: undefined,
      unreachable: { tries: 0, said: false },
      movedTo: movedChatFor(outbox.readMovedChatSync(cfg.name), cfg),
      lostAt: undefined,
      scannedAt: undefined,
      asleepUntil: undefined,
    };
  });
  // Each channel listens to the stop signal while it sends or waits (a request, a pause, a test send): 11 channels
  // printed Node's "possible EventTarget memory leak" warning on their first alert together. Bounded per channel, not a leak.
  setMaxListeners(10 + 4 * channels.length, stopCtrl.signal);
  for (const ch of channels) {
    if (ch.movedTo !== undefined && ch.cfg.enabled) {
      warn(`notify: ${ch.name}: its chat moved (learnt earlier); alerts go to chat ${ch.movedTo}: set its chatId to ${ch.movedTo} in the config`, { channel: ch.name, chatId: ch.movedTo });
    }
  }
  const enabled = channels.filter((c) => c.cfg.enabled);
  // Kept for a channel no longer configured (renamed, removed) or disabled: sending them elsewhere could reach the wrong
  // people, so they wait for that name to come back, counted and named, until a person discards them.
  const stranded = new Map<string, OutboxEntry[]>();
  const strandedWhy = new Map<string, StrandedWhy>();

  /** Keeps alerts that must not be sent (bounded like a live outbox: never sent, so nothing else ages them out) and says so. */
  function strand(dir: string, entries: OutboxEntry[], why: StrandedWhy): void {
    const bound = boundStranded(entries, { now: clock.now(), maxAgeMs: config.outboxMaxAge, limit: config.outboxLimit });
    const gone = [...bound.expired, ...bound.overflow];
    for (const e of gone) {
      try {
        outbox.removeNow(e);
      } catch (err) {
        log('notify: could not remove a kept alert past the outbox bounds', { channel: dir, error: scrub(describeError(err)) });
      }
    }
    if (gone.length > 0) {
      stats.dropped += gone.length;
      overflowed(dir, 'dropped', bound.overflow.length);
      warn(
        `notify: ${gone.length} alert(s) kept for the channel "${dir}" (${why === 'disabled' ? 'disabled' : why === 'removed' ? 'not configured' : 'queued for another destination'}) were dropped: ` +
          `${bound.expired.length} older than outboxMaxAge, ${bound.overflow.length} past outboxLimit (${config.outboxLimit})`,
        { channel: dir, expired: bound.expired.length, overLimit: bound.overflow.length },
      );
    }
    if (bound.keep.length === 0) {
      if (why === 'removed') outbox.pruneSync(dir, clock.now());
      return;
    }
    redactor.addName(dir);
    stranded.set(dir, bound.keep);
    strandedWhy.set(dir, why);
    warn(`notify: ${strandedText(dir, bound.keep.length, why)}`, { channel: dir, pending: bound.keep.length });
  }

  /**
   * What is kept, written down for `clawback status` with no daemon: it said "sent once the daemon runs again" of a
   * removed channel's alerts, which no start sends. Rewritten at each change (a start, a reload, a discard, a release).
   */
  function recordKept(): void {
    if (!outboxUsable) return;
    const kept: Record<string, { n: number; why: StrandedWhy }> = {};
    for (const [name, entries] of stranded) if (entries.length > 0) kept[name] = { n: entries.length, why: strandedWhy.get(name) ?? 'removed' };
    try {
      writeKept(outbox.dir, kept);
    } catch (err) {
      log('notify: could not record which alerts are kept; `clawback status` without a daemon may not say it', { error: scrub(describeError(err)) });
    }
  }

  // Whatever a previous run left undelivered goes first, in its original order.
  let outboxUsable = true;
  try {
    const loaded = outbox.loadSync(clock.now());
    if (loaded.movedAside) warn(`notify: ${outbox.dir} was not a directory: moved aside to ${loaded.movedAside} (kept as evidence); alerts are spooled there again`, { movedTo: loaded.movedAside });
    // An alert that cannot be read is one a person will never get: said as a warning, not lost in the info lines.
    for (const file of loaded.corrupt) warn(`notify: an alert in the outbox could not be read and will not be sent; kept aside as ${file}.corrupt`, { file });
    for (const [dir, entries] of loaded.byChannel) {
      const cut = entries.filter((e) => e.sending).length;
      if (cut > 0) log(`notify: ${cut} alert(s) for ${dir} were being sent when the daemon stopped, with no answer yet: sent again, marked as a possible repeat`, { channel: dir, alerts: cut });
    }
    // A channel whose name changed but not its destination (`webhook` became `webhook-1` when a second one was added, or
    // `slack-2` became `slack-1`) takes its alerts along: they were stranded as "removed" though their people still listen.
    const adopters = adoptersByDestination(enabled);
    const adopted = new Map<string, OutboxEntry[]>();
    const byChannel = new Map<string, OutboxEntry[]>();
    for (const [dir, entries] of loaded.byChannel) {
      const own = channels.find((c) => c.name === dir);
      if (own && !own.cfg.enabled) {
        byChannel.set(dir, entries); // disabled by a person: kept for it, never moved to another channel
        continue;
      }
      const stay: OutboxEntry[] = [];
      for (const e of entries) {
        const to = e.dest === undefined || (own && spooledFor(e.dest, own.cfg) === 'same') ? undefined : adopters.get(e.dest);
        if (!to || !mayAdopt(dir, to)) {
          stay.push(e);
          continue;
        }
        try {
          const moved = outbox.moveSync(e, to.name);
          const list = adopted.get(to.name);
          if (list) list.push(moved);
          else adopted.set(to.name, [moved]);
        } catch (err) {
          stay.push(e); // left where it is: kept as before, tried again at the next start or reload
          log('notify: could not move a spooled alert to the channel that now sends to its destination', { channel: dir, to: to.name, error: scrub(describeError(err)) });
        }
      }
      if (stay.length > 0) byChannel.set(dir, stay);
    }
    for (const [name, moved] of adopted) {
      log('notify: spooled alerts follow their destination to its new channel name', { channel: name, moved: moved.length });
      byChannel.set(name, [...(byChannel.get(name) ?? []), ...moved].sort((a, b) => a.seq - b.seq));
    }
    for (let [dir, entries] of byChannel) {
      const ch = enabled.find((c) => c.name === dir);
      if (!ch) {
        strand(dir, entries, channels.some((c) => c.name === dir) ? 'disabled' : 'removed');
        continue;
      }
      // Only what was queued for this channel's destination is sent; the rest (the name now means other people) is kept.
      const fit = entries.map((e) => spooledFor(e.dest, ch.cfg));
      const elsewhere = entries.filter((_, i) => fit[i] !== 'same');
      if (elsewhere.length > 0) {
        strand(dir, elsewhere, fit.includes('other') ? 'moved' : 'unknown-destination');
        entries = entries.filter((_, i) => fit[i] === 'same');
      }
      for (const entry of entries) {
        const p: Pending = { entry, persisted: Promise.resolve(), age: { atMs: Math.max(0, clock.now() - entry.createdAt), sinceMono: clock.monotonic() } };
        if (entry.dead?.parked) ch.parked.push(p);
        else ch.queue.push(p);
      }
      if (ch.queue.some((p) => p.entry.dead)) ch.dead = true;
      // The summary a previous run was still folding into (restarted or reloaded during a long outage) stays open: each
      // start otherwise opened another one past outboxLimit. Not one that may have reached the endpoint (a repeat).
      const open = ch.queue.findLast((p) => p.entry.event.type === 'notify.suppressed' && !p.entry.sending && foldedFromSaved(p.entry.folded) !== undefined);
      if (open) {
        const folded = foldedFromSaved(open.entry.folded)!;
        // Said anew for the channel that sends it now (a renamed one took the spool over) and today's outboxLimit: its
        // text was written under the old name and kept it when nothing more was folded in. Its time stays.
        const at = open.entry.event.time;
        open.entry.event = summaryEvent(ch.name, folded, config.outboxLimit, Number.isFinite(at) ? at : clock.now());
        ch.summary = { pending: open, folded };
      }
      log('notify: resuming delivery of pending messages', { channel: dir, pending: ch.queue.length, deadLetters: entries.filter((e) => e.dead).length });
    }
    // A renamed or removed channel's directory with nothing left in it (its alerts delivered or discarded) goes.
    for (const dir of loaded.dirs) if (!byChannel.has(dir) && !channels.some((c) => c.name === dir)) outbox.pruneSync(dir, clock.now());
  } catch (err) {
    outboxUsable = false;
    log('notify: outbox directory unusable; alerts are kept in memory only', { error: scrub(describeError(err)) });
    deps.onSpoolFault?.(err);
  }
  recordKept();

  const dedup = new DedupWindow(config.dedupWindow, deps.replaces?.dedupWindow());
  const reminders = new ReminderTracker(clock, config.reminderInterval, (last, openedAt) => {
    const event: ClawbackEvent = { ...last, time: clock.now(), details: { ...(last.details ?? {}), reminder: true } };
    enqueue(event, 'reminder', openedAt);
  });

  /** Nothing more can be delivered before `deadline` (monotonic): each channel is idle, dead, or asleep past it. */
  function doneBy(deadline: number): boolean {
    return channels.every((c) => c.queue.length === 0 || c.dead || (c.asleepUntil !== undefined && c.asleepUntil > deadline));
  }

  function deadCount(ch: ChannelRuntime): number {
    return ch.parked.length + ch.queue.filter((p) => p.entry.dead).length;
  }

  /** Each flush waiting checks whether it is over (its own deadline): none waiting, nothing is checked. */
  function wakeIdleWaiters(): void {
    for (const w of [...idleWaiters]) w();
  }

  function render(entry: OutboxEntry, thread?: IncidentThread): Notification {
    return formatNotification(redactor.redactDeep(entry.event), {
      kind: entry.kind,
      now: clock.now(),
      host,
      id: alertId(entry),
      ...(entry.sending ? { possibleDuplicate: true } : {}),
      ...(entry.openedAt !== undefined ? { openedAt: entry.openedAt } : {}),
      ...(thread ? { timeline: timelineLines(thread).map((l) => redactor.redact(l)) } : {}),
    });
  }

  function enqueue(event: ClawbackEvent, kind: OutboxEntry['kind'], openedAt?: number, already?: Set<string>): void {
    for (const ch of enabled) {
      if (!channelAccepts(ch.cfg, event) || already?.has(ch.name)) continue;
      // The notice about a channel's dead letters goes to the other channels.
      if (event.type === 'notify.undelivered' && event.details?.['channel'] === ch.name) continue;
      // A full outbox (a flood, an endpoint down for long): the alert joins the summary, unless a person must see it;
      // then the newest alert that may be folded makes room for it.
      if (held(ch) >= config.outboxLimit) {
        if (!mustKeep(event)) {
          coalesce(ch, event);
          continue;
        }
        makeRoom(ch);
      }
      spool(ch, event, kind, openedAt);
    }
  }

  /**
   * The channels that were sent this fact inside dedupWindow (by name and destination: a channel a reload added or pointed
   * elsewhere has not); undefined when every channel that takes it has.
   */
  function heardAlready(event: ClawbackEvent): Set<string> | undefined {
    const now = clock.monotonic();
    const takers = enabled.filter((ch) => channelAccepts(ch.cfg, event));
    const heard = new Set(takers.filter((ch) => !dedup.admit(event, now, JSON.stringify([ch.name, ch.dest]))).map((ch) => ch.name));
    return takers.length > 0 && heard.size === takers.length ? undefined : heard;
  }

  /** Alerts a channel still tries to deliver (pending and retried dead letters), its open summary not counted. */
  function held(ch: ChannelRuntime): number {
    return ch.queue.length - (openSummary(ch) ? 1 : 0);
  }

  /**
   * Alerts refused for good or expired (parked, retried only on request) are capped at outboxLimit too: past it the
   * oldest one that may be folded goes (it was announced as undelivered already), with a warning; never a must-keep one.
   */
  function capParked(ch: ChannelRuntime): void {
    while (ch.parked.length > config.outboxLimit) {
      const i = ch.parked.findIndex((p) => !mustKeep(p.entry.event));
      if (i < 0) return;
      const [old] = ch.parked.splice(i, 1);
      stats.dropped++;
      overflowed(ch.name, 'dropped');
      if (outboxUsable) void outbox.remove(old!.entry).catch(() => undefined);
      warn(`notify: more than ${config.outboxLimit} alerts refused by ${ch.name} are kept (notify.outboxLimit); the oldest one was dropped`, {
        channel: ch.name,
        type: old!.entry.event.type,
        reason: scrub(old!.entry.dead?.reason ?? ''),
      });
    }
  }

  /** The summary still waits in the queue behind others (the worker has not taken it): it may still change. */
  function openSummary(ch: ChannelRuntime): ch is ChannelRuntime & { summary: NonNullable<ChannelRuntime['summary']> } {
    const s = ch.summary?.pending;
    return !!s && !s.discarded && ch.queue.indexOf(s) > 0;
  }

  /** Folds an alert into the channel's open summary (rewritten on disk), or starts a new one at the end of the queue. */
  function coalesce(ch: ChannelRuntime, event: ClawbackEvent): void {
    stats.coalesced++;
    overflowed(ch.name, 'folded');
    const now = clock.now();
    if (openSummary(ch)) {
      const { pending } = ch.summary;
      ch.summary.folded = fold(ch.summary.folded, event, now);
      pending.entry.event = summaryEvent(ch.name, ch.summary.folded, config.outboxLimit, now);
      pending.entry.folded = savedFolded(ch.summary.folded);
      pending.persisted = writeEntry(ch, pending.entry);
      return;
    }
    const folded = fold(undefined, event, now);
    warn(`notify: the outbox for ${ch.name} is full (${config.outboxLimit} alerts, notify.outboxLimit); further alerts are folded into one summary until it drains`, {
      channel: ch.name,
      held: held(ch),
    });
    ch.summary = { pending: spool(ch, summaryEvent(ch.name, folded, config.outboxLimit, now), 'event', undefined, savedFolded(folded)), folded };
  }

  /** A must-keep alert arrived at the limit: the newest alert that may be folded (never the one in flight) joins the summary. */
  function makeRoom(ch: ChannelRuntime): void {
    for (let i = ch.queue.length - 1; i > 0; i--) {
      const p = ch.queue[i]!;
      if (p === ch.summary?.pending || p.discarded || mustKeep(p.entry.event)) continue;
      ch.queue.splice(i, 1);
      if (outboxUsable) {
        void p.persisted.then(() => outbox.remove(p.entry)).catch((err: unknown) => log('notify: could not remove a folded alert from the outbox', { channel: ch.name, error: scrub(describeError(err)) }));
      }
      coalesce(ch, p.entry.event);
      return;
    }
  }

  let writeFailing = false;
  /**
   * Alerts whose write failed (a full disk): held in memory, and written again at the next successful write or try. Once
   * the disk had room they stayed memory-only for good, and a daemon stopped or killed later lost them.
   */
  const unwritten = new Set<OutboxEntry>();
  let rewriting = false;
  /** Written now (synchronously, atomic); the returned promise fsyncs it. Never throws: a failed write is logged, kept in memory. */
  function writeEntry(ch: ChannelRuntime, entry: OutboxEntry): Promise<void> {
    // Said once per outage, as a warning (a full disk failed every alert, each logged at info): then quiet until it heals.
    const lost = (err: unknown): void => {
      deps.onSpoolFault?.(err);
      if (writeFailing) return;
      writeFailing = true;
      warn('notify: could not write the outbox (alerts are held in memory only, lost if the daemon dies, until they are written)', { channel: ch.name, error: scrub(describeError(err)) });
    };
    if (!outboxUsable) return Promise.resolve();
    try {
      // On disk before publish returns, in the same step as the event's journal line (a SIGKILL lost it between).
      outbox.writeNow(entry);
      unwritten.delete(entry);
      if (unwritten.size > 0 && !rewriting) writeHeldInMemory();
      // Healed only once nothing is held in memory: on a nearly full disk a small alert fits where a big one held
      // does not, and each small one said "recovered" then "degraded" again (a critical alert pair per alert).
      if (!rewriting && unwritten.size === 0) spoolWorks(ch);
      return outbox.persist(entry).catch(lost);
    } catch (err) {
      unwritten.add(entry);
      // The fault's own alert (daemon.degraded) is published from inside lost(), before this entry is queued: its write
      // must not rewrite the held ones now, which would miss this one, forget it and call the spool healed.
      const was = rewriting;
      rewriting = true;
      try {
        lost(err);
      } finally {
        rewriting = was;
      }
      return Promise.resolve();
    }
  }

  /**
   * Writes the alerts still held (queued or parked) whose write failed. One that fails again does not stop the rest: on a
   * nearly full disk a big alert that does not fit held every small one behind it in memory (lost if the daemon died),
   * though they fit. Bounded by the alerts held (outboxLimit per channel), and only while some are held.
   */
  function writeHeldInMemory(): void {
    rewriting = true;
    const still = new Set<OutboxEntry>();
    try {
      for (const ch of channels) {
        for (const p of [...ch.queue, ...ch.parked]) {
          if (!unwritten.has(p.entry) || p.discarded) continue;
          unwritten.delete(p.entry);
          p.persisted = writeEntry(ch, p.entry);
          if (unwritten.has(p.entry)) still.add(p.entry);
        }
      }
      // What is left was delivered or discarded meanwhile: nothing to write.
      unwritten.clear();
      for (const e of still) unwritten.add(e);
    } finally {
      rewriting = false;
    }
    if (unwritten.size === 0) spoolWorks();
  }

  /** Every alert is on disk again: the spool fault (if any) is over, said once. */
  function spoolWorks(ch?: ChannelRuntime): void {
    if (writeFailing) {
      writeFailing = false;
      log('notify: the outbox is writable again', ch ? { channel: ch.name } : {});
    }
    deps.onSpoolWritten?.();
  }

  /**
   * Rewrites this channel's waiting alerts whose files are gone (the outbox deleted by hand, a /tmp cleaner), and says so:
   * they were held in memory only, in silence, and a daemon killed or restarted later lost them. Run by the channel's own
   * worker before a try, when none of its alerts is in flight.
   */
  function respoolMissing(ch: ChannelRuntime, next: Pending): void {
    if (!outboxUsable) return;
    // The alert about to go, the one after it and the newest still on disk, and the folder listed lately: nothing to look
    // for (a folder deleted whole, or a cleaner of old files, takes them too, and is noticed now; the one about to go alone
    // is not enough: its in-flight mark writes it again).
    const scanned = clock.monotonic();
    const probes = [next, ch.queue.find((q) => q !== next), ch.queue.at(-1)].filter((q): q is Pending => q !== undefined && !q.discarded && !unwritten.has(q.entry));
    if (ch.scannedAt !== undefined && scanned - ch.scannedAt < MISSING_SCAN_EVERY_MS && probes.every((q) => outbox.hasSync(q.entry))) return;
    ch.scannedAt = scanned;
    const present = outbox.presentSync(ch.name);
    const missing = [...ch.queue, ...ch.parked].filter((p) => !p.discarded && !unwritten.has(p.entry) && !present.has(outbox.fileOf(p.entry)));
    if (missing.length === 0) return;
    for (const p of missing) p.persisted = writeEntry(ch, p.entry);
    const text = `${missing.length} alert(s) waiting for ${ch.name} were missing from the outbox (${outbox.dir}: deleted by hand or by a cleaner?); written again from memory, none lost`;
    const now = clock.monotonic();
    if (ch.lostAt !== undefined && now - ch.lostAt < config.dedupWindow) return log(`notify: ${text}`, { channel: ch.name, rewritten: missing.length });
    ch.lostAt = now;
    warn(`notify: ${text}`, { channel: ch.name, rewritten: missing.length });
    sendNotice({ type: 'notify.spool-rewritten', time: clock.now(), severity: 'warning', message: text, details: { channel: ch.name, rewritten: missing.length, outbox: outbox.dir } });
  }

  function spool(ch: ChannelRuntime, event: ClawbackEvent, kind: OutboxEntry['kind'], openedAt?: number, folded?: OutboxEntry['folded']): Pending {
    const entry: OutboxEntry = {
      v: 1,
      seq: outbox.nextSeq(),
      channel: ch.name,
      dest: ch.dest,
      kind,
      event,
      createdAt: clock.now(),
      ...(openedAt !== undefined ? { openedAt } : {}),
      ...(folded ? { folded } : {}),
      // A dead channel's queue is all dead letters: a new message joins them, on disk too.
      ...(ch.dead ? { dead: { since: clock.now(), reason: 'queued behind dead letters', parked: false } } : {}),
    };
    const pending: Pending = { entry, persisted: writeEntry(ch, entry), age: { atMs: 0, sinceMono: clock.monotonic() } };
    ch.queue.push(pending);
    // A page (or a critical alert) does not wait out the retry delay of an ordinary alert in flight: it is tried now.
    if (jumpsQueue(event) && ch.worker && !jumpsQueue(ch.queue[0]!.entry.event)) ch.wake.abort();
    kick(ch);
    return pending;
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
    // Started from inside a publish: the rest of that synchronous burst is queued first, so an edit the next step of the
    // same incident overwrites anyway is skipped (it used to be the wait for the head's fsync that gave it this turn).
    await Promise.resolve();
    while (!stopped && ch.queue.length > 0) {
      // A page overtakes the backlog (after what it follows on); the one taken is moved to the front: index 0 is in flight.
      const next = nextToSend(ch.queue, (q) => q.entry.event);
      if (next > 0) ch.queue.unshift(...ch.queue.splice(next, 1));
      // The endpoint's bucket is empty: wait for it to refill, then pick again (a page queued meanwhile goes first).
      const paceMs = ch.paceUntil - clock.monotonic();
      if (paceMs > 0) {
        if (!(await pause(ch, paceMs))) return;
        continue;
      }
      const head = ch.queue[0]!;
      // Not `await head.persisted`: the file is on disk (written before publish returned); its fsync only guards a power
      // cut, and the fsync queue is shared and FIFO. A page waited behind every alert spooled before it (7 s for 300
      // alerts at 20 ms a fsync; for ever on a stalled disk); a delivered alert needs no durability at all.
      const result = await deliver(ch, head);
      if (result === 'stopped') return;
      if (result === 'overtaken') continue;
      if (result === 'parked' && head.retryAsked && !head.discarded) {
        if (head.entry.dead) head.entry.dead = { ...head.entry.dead, parked: false };
        continue;
      }
      if (result !== 'parked') {
        if (result === 'discarded') stats.dropped++;
        try {
          // Already unlinked at the 2xx (deliver): a second removal cost two stats of a file gone, per alert delivered.
          if (!head.removed) await outbox.remove(head.entry);
        } catch (err) {
          log('notify: could not remove a delivered message from the outbox', { channel: ch.name, error: scrub(describeError(err)) });
        }
      }
      // Removed from the queue only once its file is gone, so "idle" means "nothing left on disk" too.
      if (ch.queue[0] === head) ch.queue.shift();
      else ch.queue = ch.queue.filter((q) => q !== head);
      if (result === 'parked') {
        ch.parked.push(head);
        capParked(ch);
      }
      wakeIdleWaiters();
    }
  }

  /** Moves a message (or a dead channel's whole queue) into dead/, visibly: warn log, counter, notice. */
  async function deadLetter(ch: ChannelRuntime, p: Pending, raw: DeadLetterInfo, why: string): Promise<void> {
    // The reason is kept on disk and shown by `clawback status` and the dashboard: an endpoint's answer may echo its URL.
    const info: DeadLetterInfo = { ...raw, reason: scrub(raw.reason) };
    const newlyDead = !p.entry.dead;
    const moves = [p];
    if (!info.parked && !ch.dead) {
      ch.dead = true;
      moves.push(...ch.queue.filter((q) => q !== p && !q.entry.dead));
    }
    for (const q of moves) {
      const mine = q === p ? info : { since: info.since, reason: 'queued behind dead letters', parked: false };
      if (q.entry.dead && q.entry.dead.parked === mine.parked) continue;
      try {
        if (outboxUsable) await outbox.moveToDead(q.entry, mine);
        else q.entry.dead = mine;
      } catch (err) {
        q.entry.dead = mine;
        log('notify: could not move a message to the dead letters on disk; it is kept in memory', { channel: ch.name, error: scrub(describeError(err)) });
      }
    }
    wakeIdleWaiters();
    if (!newlyDead) return;
    stats.deadLettered++;
    const n = deadCount(ch);
    warn(`notify: ${why}; ${n} alert(s) undelivered to ${ch.name}, kept in the dead letters (${info.parked ? 'retried on `clawback notify flush`' : 'still retried with capped backoff'})`, {
      channel: ch.name,
      type: p.entry.event.type,
      reason: info.reason,
      deadLetters: n,
    });
    // A notice that could not be delivered is kept and counted like any alert, but announces nothing further:
    // two channels that both refuse would otherwise answer each other's notices without end.
    if (p.entry.event.type === 'notify.undelivered') return;
    // Once per dedupWindow while the channel keeps refusing: a deleted webhook must not double every alert elsewhere.
    if (ch.noticeAt !== undefined && clock.monotonic() - ch.noticeAt < config.dedupWindow) return;
    ch.noticeAt = clock.monotonic();
    const notice: ClawbackEvent = {
      type: 'notify.undelivered',
      time: clock.now(),
      severity: 'warning',
      message: `${n} alert(s) undelivered to ${ch.name} (${scrub(info.reason)}); they are kept and retried. \`clawback notify flush ${ch.name}\` retries now, \`clawback notify discard ${ch.name}\` drops them.`,
      details: { channel: ch.name, deadLetters: n },
    };
    sendNotice(notice);
  }

  /**
   * One more try without an answer (or answered 429): after maxAttempts of them in a row (the budget a refusing endpoint gets) the outage is
   * said once, as a warning and on the other channels; the alerts stay queued and retried (dead letters after outboxMaxAge).
   */
  function unreachableTry(ch: ChannelRuntime, reason: string, rateLimited = false): void {
    const u = ch.unreachable;
    u.tries++;
    u.reason = scrub(reason);
    if (u.said || u.tries < config.maxAttempts) return;
    u.said = true;
    const n = ch.queue.length;
    const why = u.reason;
    const state = rateLimited ? `rate-limited without end (${u.tries} tries in a row answered 429: ${why})` : `unreachable (${u.tries} tries in a row without an answer: ${why})`;
    warn(`notify: ${ch.name} is ${state}; ${n} alert(s) wait for it, still retried with capped backoff`, {
      channel: ch.name,
      tries: u.tries,
      reason: why,
      pending: n,
    });
    sendNotice({
      type: 'notify.undelivered',
      time: clock.now(),
      severity: 'warning',
      message: `${n} alert(s) waiting for ${ch.name}, which is ${rateLimited ? `rate-limited (${u.tries} tries answered 429: ${why})` : `unreachable (${u.tries} tries without an answer: ${why})`}; they are kept and retried until delivered (dead letters after outboxMaxAge). \`clawback notify flush ${ch.name}\` retries now.`,
      details: { channel: ch.name, pending: n, unreachable: true },
    });
  }

  /** A notice about delivery itself: through the daemon (journaled, then back here), or straight onto the channels. */
  function sendNotice(notice: ClawbackEvent): void {
    if (deps.emit) {
      try {
        deps.emit(notice);
        return;
      } catch {
        // told the channels directly below
      }
    }
    enqueue(notice, 'event');
  }

  /** Waits before the next try; false when stopped. A flush (wake) cuts the wait short. */
  async function pause(ch: ChannelRuntime, ms: number): Promise<boolean> {
    ch.asleepUntil = clock.monotonic() + ms;
    // A flush waiting only for this channel ends now if the wait outlasts it.
    if (idleWaiters.size > 0) wakeIdleWaiters();
    try {
      await clock.sleep(ms, AbortSignal.any([stopCtrl.signal, ch.wake.signal]));
    } catch {
      if (stopped) return false;
    } finally {
      ch.asleepUntil = undefined;
    }
    if (ch.wake.signal.aborted) ch.wake = new AbortController();
    return !stopped;
  }

  /** The book of where this channel sends now (its configured destination, or the chat it moved to): ids posted elsewhere go. */
  function liveBook(ch: ChannelRuntime): ThreadBook {
    const dest = ch.movedTo === undefined ? ch.dest : destinationOf({ ...ch.cfg, chatId: ch.movedTo } as ChannelConfig);
    ch.book = bookForDestination(ch.book, dest, !isPositionName(ch.name, ch.cfg.type));
    return ch.book;
  }

  /**
   * The channel's wait, saved as wall time beside its outbox: a restart inside it waits it out (saved-rate-limit.ts).
   * Not awaited by the worker: a stalled disk must not hold delivery (the wait in memory holds this run either way).
   * Chained per channel (an older wait never lands over a newer one) and waited for by stop(): a reload's new notifier
   * reads the file right after the old one stopped, and a pruned folder is not made again by a late write.
   */
  function savePace(ch: ChannelRuntime): void {
    if (!outboxUsable || stopped) return;
    // No wait before and none now (a flush of a channel never held, a second flush in a row), or the same wait: the file
    // already says it. Five `notify flush` in a row wrote rate-limit.json five times, for every channel (mkdir, fsync).
    const mono = clock.monotonic();
    const wait = ch.paceUntil > mono ? ch.paceUntil : 0;
    if (ch.paceSaved !== undefined && wait === (ch.paceSaved > mono ? ch.paceSaved : 0)) return;
    ch.paceSaved = wait;
    const now = clock.now();
    const queued = ch.paceNext !== undefined;
    ch.paceNext = { until: now + Math.max(0, ch.paceUntil - mono), savedAt: now, dest: ch.dest };
    // A write queued behind the one under way takes the newest wait when it begins: no second one is queued.
    if (queued) return;
    const write = (ch.paceSave ?? Promise.resolve())
      .then(() => {
        const saved = ch.paceNext!;
        ch.paceNext = undefined;
        return outbox.writeRateLimit(ch.name, saved);
      })
      .catch((err: unknown) => {
        // What the file holds is not known now: the next save is written whatever it says.
        ch.paceSaved = undefined;
        log('notify: could not save the rate-limit wait; a restart now sends before it is over', { channel: ch.name, error: scrub(describeError(err)) });
      });
    ch.paceSave = write;
    void write.then(() => {
      if (ch.paceSave === write) ch.paceSave = undefined;
    });
  }

  async function commitBook(ch: ChannelRuntime, book: ThreadBook): Promise<void> {
    ch.book = book;
    if (!outboxUsable) return;
    try {
      await outbox.writeThreads(ch.name, book);
    } catch (err) {
      log('notify: could not save the live-message ids', { channel: ch.name, error: scrub(describeError(err)) });
    }
  }

  /**
   * Records in the alert's file whether a request for it is out with no answer (OutboxEntry.sending): set once the request
   * has been out SENDING_MARK_AFTER_MS (or is cut by a stop),
   * cleared once the endpoint answers without accepting it. Written synchronously (it is a SIGKILL that it must survive),
   * then fsynced in the outbox's queue like any spooled alert: the rewrite replaces an fsynced file, and a power loss
   * right after it must not leave an empty one (an alert lost). Best effort: an alert is never held back for it.
   */
  function markSending(ch: ChannelRuntime, p: Pending, on: boolean): void {
    const { entry } = p;
    if ((entry.sending === true) === on) return;
    if (on) entry.sending = true;
    else delete entry.sending;
    // Not on disk (a failed write, said once already): nothing to mark there.
    if (!outboxUsable || p.discarded || writeFailing || unwritten.has(entry)) return;
    try {
      outbox.writeNow(entry);
      void outbox.persist(entry).catch((err: unknown) => log('notify: could not fsync the outbox file of an alert being sent', { channel: ch.name, error: scrub(describeError(err)) }));
    } catch (err) {
      log('notify: could not record in the outbox that an alert is being sent', { channel: ch.name, error: scrub(describeError(err)) });
    }
  }

  async function deliver(ch: ChannelRuntime, p: Pending): Promise<DeliveryResult> {
    const { entry } = p;
    const attempts = (p.attempts ??= { tries: 0, counted: 0 });
    let counted = attempts.counted;
    /** 429s with a Retry-After in a row: their backoff starts over, the outage before them does not stretch the wait. */
    let limited = 0;
    let forceNew = false;
    // Set once the endpoint refused this message's markup: from then on it goes as plain text.
    let plain = false;
    // Set once the endpoint refused this message as too large: from then on it goes shortened (the outbox keeps it whole).
    let short = false;
    // Set once this message followed a moved chat: a second move in the same delivery is not followed (no ping-pong).
    let moved = false;
    for (let tries = attempts.tries + 1; ; tries++) {
      attempts.tries = tries;
      p.retryAsked = false;
      if (stopped) return 'stopped';
      if (p.discarded) return 'discarded';
      // The disk may have room again: alerts held in memory since a failed write go to the outbox before this try.
      if (unwritten.size > 0) writeHeldInMemory();
      respoolMissing(ch, p);
      const ageMs = p.age.atMs + (clock.monotonic() - p.age.sinceMono);
      if (ageMs > config.outboxMaxAge && !entry.dead) {
        await deadLetter(ch, p, { since: clock.now(), reason: `older than outboxMaxAge (${Math.round(ageMs / 1000)} s)`, parked: true }, 'message older than outboxMaxAge');
        return 'parked';
      }
      // Incident mode: which message this event becomes (new, an edit of the live one, or only a timeline step).
      let plan: SendPlan = { send: 'new' };
      let nextBook: ThreadBook | undefined;
      let thread: IncidentThread | undefined;
      if (ch.cfg.mode === 'incident') {
        const d = planEvent(liveBook(ch), entry.event, { canEdit: ch.canEdit, kind: entry.kind === 'reminder' ? 'reminder' : 'event' });
        plan = forceNew && d.plan.send === 'edit' ? { send: 'new' } : d.plan;
        nextBook = d.book;
        thread = d.thread;
        // An edit the next queued step of the same incident will overwrite anyway: skip it (fewer requests, same result).
        const live = thread;
        const supersededEdit = plan.send === 'edit' && live !== undefined && ch.queue.some((q) => q !== p && !q.discarded && q.entry.kind === 'event' && belongsTo(q.entry.event, live));
        if (plan.send === 'none' || supersededEdit) {
          stats.folded++;
          await commitBook(ch, nextBook);
          return 'delivered';
        }
      }
      let request;
      try {
        const full = render(entry, thread);
        const n = short ? shortenNotification(full) : full;
        const opts = plain || ch.movedTo !== undefined ? { ...(plain ? { plain } : {}), ...(ch.movedTo !== undefined ? { chatId: ch.movedTo } : {}) } : undefined;
        request = sendableRequest(plan.send === 'edit' && ch.adapter.buildEdit ? ch.adapter.buildEdit(n, plan.messageId, opts) : ch.adapter.build(n, opts));
      } catch (err) {
        stats.failed++;
        await deadLetter(ch, p, { since: clock.now(), reason: `could not build the message: ${String(err)}`, parked: true }, 'could not build the message');
        return 'parked';
      }
      let outcome: DeliveryOutcome;
      let answerBody = '';
      let answerStatus: number | undefined;
      // A second request of this try (plain text, a new post after a failed edit) is paced too.
      for (let waits = 0, paceMs = ch.paceUntil - clock.monotonic(); paceMs > 0 && waits < 8; waits++, paceMs = ch.paceUntil - clock.monotonic()) {
        if (!(await pause(ch, paceMs))) return 'stopped';
      }
      if (p.discarded) return 'discarded';
      const markTimer = clock.setTimeout(() => markSending(ch, p, true), SENDING_MARK_AFTER_MS);
      try {
        const answer = await sendHttp(request, { clock, timeoutMs: config.timeout, signal: stopCtrl.signal }).finally(() => markTimer.cancel());
        const pace = paceAfter(answer);
        if (pace !== undefined) {
          ch.paceUntil = clock.monotonic() + Math.min(pace, RATE_LIMIT_MAX_WAIT_MS) + RETRY_AFTER_MARGIN_MS;
          savePace(ch);
        }
        answerBody = answer.body;
        answerStatus = answer.status;
        outcome = plan.send === 'edit' && ch.adapter.editUnchanged?.(answer.status, answer.body) ? { kind: 'ok' } : classifyAnswer(answer, clock.now());
      } catch (err) {
        // Cut by a stop: the endpoint may have it, and the next start sends it again marked as a possible repeat.
        if (stopped) {
          if (!neverSent(err)) markSending(ch, p, true);
          return 'stopped';
        }
        // A request fetch refuses to send (a header value, a blocked port) fails the same way every try: refused for good.
        outcome = err instanceof UnsendableRequestError ? { kind: 'permanent', reason: err.message } : { kind: 'retry', reason: describeError(err), counts: false };
        if (neverSent(err)) markSending(ch, p, false);
      }
      // Answered without accepting it: the endpoint does not have it (accepted: its file is removed just below).
      if (answerStatus !== undefined && outcome.kind !== 'ok') markSending(ch, p, false);
      if (outcome.kind === 'ok') unwritten.delete(entry); // delivered: never written again
      if (outcome.kind === 'ok' && outboxUsable) {
        // Off the disk before anything else is awaited: a crash after the 2xx would otherwise send it a second time.
        try {
          outbox.removeNow(entry);
          p.removed = true;
        } catch {
          // drain removes it again and logs why it could not
        }
      }
      attempted(ch.name, outcome.kind === 'ok');
      // A 429 is an answer that delivers nothing: without end (ntfy's daily quota, a banned webhook) it is an outage too.
      if (outcome.kind === 'ok' || (answerStatus !== undefined && answerStatus !== 429)) ch.unreachable.tries = 0;
      else unreachableTry(ch, outcome.reason, answerStatus === 429);
      if (outcome.kind === 'ok') {
        stats.delivered++;
        if (ch.failedSince !== undefined || ch.dead) log('notify: channel reachable again', { channel: ch.name, tries, deadLetters: deadCount(ch) - (entry.dead ? 1 : 0) });
        ch.failedSince = undefined;
        ch.failedTries = 0;
        ch.lastFailure = undefined;
        ch.dead = false;
        ch.noticeAt = undefined;
        ch.unreachable.said = false;
        if (nextBook) {
          const id = plan.send === 'new' && thread ? ch.adapter.messageIdOf?.(answerBody) : undefined;
          await commitBook(ch, id && thread ? withMessageId(nextBook, thread.incidentId, id) : nextBook);
        }
        return 'delivered';
      }
      if (outcome.kind === 'permanent') {
        // Our markup was refused: the same bytes would be refused for ever, the plain text will not.
        if (!plain && answerStatus !== undefined && ch.adapter.markupRefused?.(answerStatus, answerBody)) {
          plain = true;
          log('notify: the endpoint refused the message markup; sending it as plain text', { channel: ch.name, type: entry.event.type, reason: scrub(outcome.reason) });
          continue;
        }
        // The chat moved (a Telegram group upgraded to a supergroup): the answer names the new one; every alert would be
        // refused for ever at the old id. Followed (same bot, same API host), and the person told to update the config.
        const movedTo = answerStatus !== undefined ? ch.adapter.chatMovedTo?.(answerStatus, answerBody) : undefined;
        if (!moved && movedTo !== undefined && movedTo !== ch.movedTo) {
          moved = true;
          ch.movedTo = movedTo;
          const from = configuredChat(ch.cfg);
          if (outboxUsable && from !== undefined) {
            await outbox.writeMovedChat(ch.name, { from, to: movedTo, dest: ch.dest }).catch((err: unknown) =>
              log('notify: could not save the chat the channel moved to; the next start learns it again', { channel: ch.name, error: scrub(describeError(err)) }),
            );
          }
          warn(`notify: ${ch.name}: the chat moved (${scrub(outcome.reason)}); alerts now go to chat ${movedTo}: set its chatId to ${movedTo} in the config`, {
            channel: ch.name,
            chatId: movedTo,
          });
          continue;
        }
        // Too large for the endpoint (413, a 400 "too long"): the same bytes would be refused for ever; once more, shortened.
        if (!short && answerStatus !== undefined && refusedAsTooLarge(answerStatus, answerBody)) {
          short = true;
          log('notify: the endpoint refused the message as too large; sending it once more, shortened (the full text stays in the journal)', {
            channel: ch.name,
            type: entry.event.type,
            bytes: Buffer.byteLength(request.body, 'utf8'),
            reason: scrub(outcome.reason),
          });
          continue;
        }
        // The live message is gone (deleted by someone): post a new one instead of editing.
        if (plan.send === 'edit' && !forceNew) {
          forceNew = true;
          log('notify: could not edit the live message; posting a new one', { channel: ch.name, reason: scrub(outcome.reason) });
          continue;
        }
        stats.failed++;
        await deadLetter(ch, p, { since: clock.now(), reason: short ? `${outcome.reason} (refused even shortened)` : outcome.reason, parked: true }, 'message refused by the endpoint');
        return 'parked';
      }
      if (outcome.counts) counted++;
      attempts.counted = counted;
      if (counted >= config.maxAttempts && !entry.dead) {
        stats.failed++;
        await deadLetter(ch, p, { since: clock.now(), reason: `refused ${counted} times: ${outcome.reason}`, parked: false }, `retry budget spent after ${counted} refusals (maxAttempts)`);
      }
      // Dead letters (and a channel said unreachable) are retried at most OUTAGE_RETRY_MAX_MS apart until delivered, flushed or discarded.
      // A rate limit says when to come back: that wait (bounded), with a backoff grown over this run of 429s only. The
      // backoff grown while the endpoint was down would bring the message back minutes after the server asked.
      const rateLimited = !outcome.counts && outcome.afterMs !== undefined;
      limited = rateLimited ? limited + 1 : 0;
      const inOutage = entry.dead || (ch.unreachable.said && !rateLimited);
      const backoffMs = inOutage ? retryDelay(30, outageBackoff, random()) : retryDelay(rateLimited ? limited : tries, backoff, random());
      const askedMs = outcome.afterMs !== undefined ? Math.min(outcome.afterMs, RATE_LIMIT_MAX_WAIT_MS) : undefined;
      // The endpoint is limited, not this message: a page that cuts in (or a retry the user asks for) waits it out too,
      // or it was sent at once and refused a second time (Telegram lengthens a flood wait broken early).
      if (rateLimited && askedMs !== undefined) {
        ch.paceUntil = Math.max(ch.paceUntil, clock.monotonic() + askedMs + RETRY_AFTER_MARGIN_MS);
        savePace(ch);
      }
      // A Retry-After is a floor, never a licence to skip the backoff: "429, Retry-After: 0" answered for ever would
      // otherwise be retried (and logged) every 25 ms.
      const delayMs = askedMs !== undefined ? Math.max(askedMs + RETRY_AFTER_MARGIN_MS, backoffMs) : backoffMs;
      // An answer asking for a wait is said when it is new (a 429 after an outage), not again at each of its repeats: a
      // 503 spell with Retry-After on every answer wrote one line per retry for as long as it lasted.
      if (ch.failedSince === undefined || tries % LOG_EVERY_TRIES === 1 || (outcome.afterMs !== undefined && outcome.reason !== ch.lastFailure)) {
        log('notify: delivery failed; will retry', { channel: ch.name, type: entry.event.type, try: tries, retryInMs: delayMs, reason: scrub(outcome.reason) });
      }
      ch.failedSince ??= clock.now();
      ch.failedTries++;
      ch.lastFailure = outcome.reason;
      if (!(await pause(ch, delayMs))) return 'stopped';
      // A page (or critical alert) queued meanwhile is tried first (this one stays in the queue: it is tried again after).
      if (!jumpsQueue(entry.event) && ch.queue[0] === p && nextToSend(ch.queue, (q) => q.entry.event) !== 0) return 'overtaken';
    }
  }

  let markFailed = false;
  /** After the event's alerts are spooled: this journal line needs nothing more after a crash. */
  function mark(safe: ClawbackEvent): void {
    if (!deps.journalFile || !outboxUsable) return;
    try {
      markPublished(outbox.dir, safe);
      markFailed = false;
    } catch (err) {
      if (!markFailed) log('notify: could not record the last alert spooled; a crash now may leave the last ones unsent', { error: scrub(describeError(err)) });
      markFailed = true;
    }
  }

  function redactEvent(event: ClawbackEvent): ClawbackEvent {
    return redactor.redactDeep(event);
  }

  const notifier: Notifier = {
    dedupWindow: () => dedup,
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
        // The window is a duration (monotonic): on the wall clock a step back an hour silenced every repeat for the hour,
        // a step forward let an identical alert through at once.
        const heard = heardAlready(safe);
        if (heard === undefined) stats.suppressed++;
        else enqueue(safe, 'event', undefined, heard);
        mark(safe);
      } catch (err) {
        log('notify: could not queue an event', { error: scrub(describeError(err)) });
      }
    },

    flush(timeoutMs = 10_000): Promise<void> {
      // Alerts that cannot go before the deadline (a channel rate-limited or backing off for longer) are not waited for:
      // they stay spooled, and a stop leaves them for the next start.
      const deadline = clock.monotonic() + timeoutMs;
      if (stopped || doneBy(deadline)) return Promise.resolve();
      return new Promise<void>((resolve) => {
        let timedOut = false;
        let timer: { cancel(): void } | undefined;
        const done = (): void => {
          if (!doneBy(deadline) && !stopped && !timedOut) return;
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
      if (deps.journalFile && outboxUsable) {
        try {
          clearMark(outbox.dir); // a clean stop: nothing was journaled and left unspooled
        } catch {
          // The next start then looks for lines past the mark: at worst the last alerts are sent again.
        }
      }
      announce?.cancel();
      reminders.stop();
      for (const ch of channels) ch.restart?.cancel();
      stopCtrl.abort(new Error('notifier stopped'));
      wakeIdleWaiters();
      const pending = channels.flatMap((c) => [...c.queue.map((p) => p.persisted), ...(c.worker ? [c.worker] : []), ...(c.paceSave ? [c.paceSave] : [])]);
      // Bounded: on a stalled disk (a hung NFS or FUSE mount, a dying SD card) the fsyncs never end, and an unbounded
      // wait hung the daemon's shutdown before it wrote daemon.stopped and released its lock. The files are written
      // already (a dead daemon loses none of them); only their fsync, a power cut's insurance, may be left undone.
      let left = pending.length;
      for (const p of pending) void p.then(() => left--, () => left--);
      stopping = new Promise<void>((resolve) => {
        const timer = clock.setTimeout(() => {
          warn(`notify: stopped without waiting longer for the disk: ${left} spooled alert(s) or delivery step(s) not finished after ${STOP_DISK_WAIT_MS} ms; the alerts are on disk and sent by the next start`, { unfinished: left });
          resolve();
        }, STOP_DISK_WAIT_MS);
        void Promise.allSettled(pending).then(() => {
          timer.cancel();
          resolve();
        });
      });
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
            const answer = await sendHttp(sendableRequest(ch.adapter.build(n, ch.movedTo !== undefined ? { chatId: ch.movedTo } : undefined)), { clock, timeoutMs: config.timeout, signal: stopCtrl.signal });
            const outcome = classifyAnswer(answer, clock.now());
            // The endpoint's bucket is the channel's: a test that emptied it (or was refused 429) holds the alerts after it,
            // which were sent into the empty bucket at once (a 429 each).
            const pace = paceAfter(answer);
            const askedMs = answer.status === 429 && outcome.kind === 'retry' ? outcome.afterMs : undefined;
            const waitMs = Math.max(pace ?? -1, askedMs ?? -1);
            if (waitMs >= 0 && !stopped) {
              ch.paceUntil = Math.max(ch.paceUntil, clock.monotonic() + Math.min(waitMs, RATE_LIMIT_MAX_WAIT_MS) + RETRY_AFTER_MARGIN_MS);
              savePace(ch);
            }
            if (outcome.kind === 'ok') return { channel: ch.name, ok: true, status: answer.status };
            // A 429 is not a broken channel: say so, and when the endpoint will take the next message.
            const limited = answer.status === 429 ? rateLimitedText(outcome.kind === 'retry' ? outcome.afterMs : undefined) : '';
            return { channel: ch.name, ok: false, status: answer.status, error: scrub(outcome.reason) + limited };
          } catch (err) {
            return { channel: ch.name, ok: false, error: scrub(describeError(err)) };
          }
        }),
      );
    },

    overflowed(): Record<string, { folded: number; dropped: number }> {
      return Object.fromEntries([...overflow].map(([name, o]) => [name, { ...o }]));
    },
    outboxDepth(): number {
      let n = channels.reduce((sum, c) => sum + c.queue.length + c.parked.length, 0);
      for (const entries of stranded.values()) n += entries.length;
      return n;
    },

    undelivered(): Record<string, { pending: number; why: string }> {
      const out: Record<string, { pending: number; why: string }> = {};
      for (const ch of channels) {
        const pending = ch.queue.filter((p) => !p.discarded).length + ch.parked.length;
        if (pending === 0) continue;
        const why = ch.lastFailure !== undefined ? scrub(ch.lastFailure) : ch.worker ? 'no answer yet' : 'not tried yet';
        out[ch.name] = { pending, why };
      }
      for (const [name, entries] of stranded) {
        // A channel that also has alerts it sends keeps that why (its kept ones are counted by stranded()).
        if (entries.length > 0) out[name] = { pending: entries.length + (out[name]?.pending ?? 0), why: out[name]?.why ?? 'kept, not sent (stranded)' };
      }
      return out;
    },

    stranded(): Record<string, number> {
      const out: Record<string, number> = {};
      for (const [name, entries] of stranded) out[name] = entries.length;
      return out;
    },

    strandedWhy(): Record<string, StrandedWhy> {
      return Object.fromEntries(strandedWhy);
    },

    unreachable(): Record<string, { pending: number; reason: string }> {
      const out: Record<string, { pending: number; reason: string }> = {};
      for (const ch of channels) {
        const pending = ch.queue.filter((p) => !p.discarded).length;
        if (ch.unreachable.said && ch.unreachable.tries > 0 && pending > 0) out[ch.name] = { pending, reason: ch.unreachable.reason ?? '' };
      }
      return out;
    },

    rateLimited(): Record<string, { until: number; pending: number }> {
      const out: Record<string, { until: number; pending: number }> = {};
      const mono = clock.monotonic();
      for (const ch of channels) {
        if (!(ch.paceUntil > mono)) continue;
        out[ch.name] = { until: Math.round(clock.now() + (ch.paceUntil - mono)), pending: ch.queue.filter((p) => !p.discarded).length };
      }
      return out;
    },

    failing(): Record<string, ChannelFailing> {
      const out: Record<string, ChannelFailing> = {};
      const mono = clock.monotonic();
      for (const ch of channels) {
        const pending = ch.queue.filter((p) => !p.discarded).length;
        if (ch.failedSince === undefined || pending === 0) continue;
        const next = ch.asleepUntil !== undefined && ch.asleepUntil > mono ? { nextTry: Math.round(clock.now() + (ch.asleepUntil - mono)) } : {};
        out[ch.name] = { since: ch.failedSince, tries: ch.failedTries, last: scrub(ch.lastFailure ?? ''), pending, ...next };
      }
      return out;
    },

    deadLetters(): Record<string, number> {
      const out: Record<string, number> = {};
      for (const ch of channels) out[ch.name] = deadCount(ch);
      return out;
    },

    retryDeadLetters(channelName?: string): number {
      let n = 0;
      for (const ch of channels) {
        if (channelName !== undefined && ch.name !== channelName) continue;
        n += deadCount(ch);
        // The one the worker holds may be parked by the try under way: it is tried again then.
        if (ch.worker && ch.queue[0]) ch.queue[0].retryAsked = true;
        // The person asked for a try now: a server's wait (Retry-After, an empty bucket) no longer holds the channel.
        ch.paceUntil = 0;
        savePace(ch);
        if (ch.parked.length > 0) {
          for (const p of ch.parked) if (p.entry.dead) p.entry.dead = { ...p.entry.dead, parked: false };
          // The message in flight stays at the front (index 0 is what the worker holds).
          const inFlight = ch.worker ? ch.queue.splice(0, 1) : [];
          ch.queue.push(...ch.parked.splice(0));
          ch.queue.sort((a, b) => a.entry.seq - b.entry.seq);
          ch.queue.unshift(...inFlight);
        }
        ch.wake.abort();
        kick(ch);
      }
      return n;
    },

    releaseStranded(channelName: string): ReleaseShape | undefined {
      const ch = enabled.find((c) => c.name === channelName);
      if (!ch) return undefined;
      const entries = stranded.get(channelName) ?? [];
      if (entries.length === 0) return { alerts: 0, posts: 0, edits: 0, folded: 0 };
      stranded.delete(channelName);
      strandedWhy.delete(channelName);
      const inFlight = ch.worker ? ch.queue.splice(0, 1) : [];
      for (const entry of entries) {
        entry.dest = ch.dest;
        if (entry.dead) entry.dead = { ...entry.dead, parked: false };
        // Re-stamped on disk: a restart sends it too instead of keeping it again.
        const p: Pending = { entry, persisted: writeEntry(ch, entry), age: { atMs: Math.max(0, clock.now() - entry.createdAt), sinceMono: clock.monotonic() } };
        ch.queue.push(p);
      }
      ch.queue.sort((a, b) => a.entry.seq - b.entry.seq);
      ch.queue.unshift(...inFlight);
      recordKept();
      const mine = new Set(entries);
      const shape = releaseShape(liveBook(ch), ch.queue.filter((q) => !q.discarded).map((q) => ({ entry: q.entry, released: mine.has(q.entry) })), { mode: ch.cfg.mode, canEdit: ch.canEdit });
      warn(`notify: ${entries.length} alert(s) kept for channel "${channelName}" (queued for another destination) released by the user to its current destination`, { channel: channelName });
      kick(ch);
      return shape;
    },

    discardDeadLetters(channelName?: string): number {
      let n = 0;
      for (const [name, entries] of stranded) {
        if (channelName !== undefined && name !== channelName) continue;
        if (entries.length === 0) continue;
        const why = strandedWhy.get(name) ?? 'removed';
        // Gone from the list (status, /metrics): `stranded: {hookA: 0}` read as a channel still holding something.
        stranded.delete(name);
        strandedWhy.delete(name);
        n += entries.length;
        stats.dropped += entries.length;
        const configured = channels.some((c) => c.name === name);
        void Promise.all(entries.map((e) => outbox.remove(e).catch(() => undefined))).then(() => {
          if (!configured) outbox.pruneSync(name, clock.now());
        });
        warn(`notify: ${entries.length} alert(s) kept for channel "${name}" (${why === 'removed' ? 'not configured' : why === 'disabled' ? 'disabled' : 'queued for another destination'}) discarded by the user`, { channel: name });
      }
      if (n > 0) recordKept();
      for (const ch of channels) {
        if (channelName !== undefined && ch.name !== channelName) continue;
        for (const p of ch.parked.splice(0)) {
          n++;
          stats.dropped++;
          void outbox.remove(p.entry).catch(() => undefined);
        }
        const keep: Pending[] = [];
        ch.queue.forEach((p, i) => {
          if (!p.entry.dead) keep.push(p);
          else if (i === 0 && ch.worker) {
            // The worker holds the head: it drops it at its next step.
            p.discarded = true;
            keep.push(p);
            n++;
          } else {
            n++;
            stats.dropped++;
            void outbox.remove(p.entry).catch(() => undefined);
          }
        });
        ch.queue = keep;
        ch.dead = false;
        ch.wake.abort();
        if (n > 0) warn(`notify: ${n} dead letter(s) discarded by the user`, { channel: ch.name });
        wakeIdleWaiters();
      }
      return n;
    },

    stats(): NotifyStats {
      return { ...stats };
    },
  };

  // Alerts of events the previous daemon journaled but was killed before spooling: sent now, late.
  if (deps.journalFile && outboxUsable) {
    let missed: ClawbackEvent[] = [];
    try {
      missed = missedEvents(outbox.dir, deps.journalFile);
    } catch (err) {
      log('notify: could not read the journal for alerts left unspooled by a crash', { error: scrub(describeError(err)) });
    }
    if (missed.length > 0) log('notify: the previous daemon stopped between journaling events and spooling their alerts; sending them now', { events: missed.length });
    for (const e of missed) {
      const safe = redactEvent(e);
      const text = JSON.stringify(safe);
      // Killed between spooling it and marking it: a channel that holds it already does not get it twice.
      const already = new Set(enabled.filter((ch) => [...ch.queue, ...ch.parked].some((p) => JSON.stringify(p.entry.event) === text)).map((ch) => ch.name));
      reminders.observe(safe);
      const heard = heardAlready(safe);
      if (heard !== undefined) enqueue(safe, 'event', undefined, new Set([...already, ...heard]));
      mark(safe);
    }
  }
  // Deliver what the previous run left behind.
  for (const ch of enabled) kick(ch);
  // Said on the channels that work (a turn later: whoever listens to deps.emit subscribes after this returns): alerts
  // nobody will receive are news for a person, once per change of what is kept, not again on every daemon start.
  const announced = outboxUsable ? readAnnounced(outbox.dir) : {};
  const announce = stranded.size === 0 && Object.keys(announced).length === 0 ? undefined : clock.setTimeout(() => announceStranded(), 0);
  function announceStranded(): void {
    // No channel to tell (every one removed or disabled): not recorded as told, so the first channel that comes back is.
    if (stopped || enabled.length === 0) return;
    const states: Record<string, string> = {};
    for (const [name, entries] of stranded) {
      if (entries.length === 0) continue;
      const why = strandedWhy.get(name) ?? 'removed';
      states[name] = strandedState(entries, why);
      if (announced[name] === states[name]) continue;
      sendNotice({
        type: 'notify.undelivered',
        time: clock.now(),
        severity: 'warning',
        message: strandedText(name, entries.length, why),
        details: { channel: name, stranded: entries.length },
      });
    }
    if (JSON.stringify(states) === JSON.stringify(announced)) return;
    try {
      writeAnnounced(outbox.dir, states);
    } catch (err) {
      log('notify: could not record which kept alerts were announced; they are announced again next start', { error: scrub(describeError(err)) });
    }
  }
  return notifier;
}
