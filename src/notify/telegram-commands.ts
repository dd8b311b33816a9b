// Answering an alert from Telegram: buttons on escalations and approval requests, commands, allow-listed senders, one use per button.
import type { OffsetStore } from './telegram-offset.js';
import { randomBytes } from 'node:crypto';
import type { ClawbackEvent } from '../observe/events.js';
import type { Clock } from '../platform/clock.js';
import { parseDuration } from '../config/duration.js';
import { readBodyUpTo } from '../platform/bounded-body.js';
import { cutText } from '../platform/cut-text.js';
import { withoutUserInfo } from './http-send.js';
import { telegramChatMovedTo } from './telegram.js';

/** Telegram's answers (getUpdates batches of at most 100 updates, sent messages) stay far below this. */
const TELEGRAM_MAX_ANSWER_BYTES = 4 * 1024 * 1024;

export type ChatAction = 'resume' | 'restart' | 'doctor' | 'maintenance' | 'reset' | 'approve' | 'refuse';

/** What the bot may do; implemented over the daemon (each call goes to a service's reducer). */
export interface ChatActions {
  /** The open incident of a service, or null. */
  incidentOf(service: string): string | null;
  /** `forMs`: how long maintenance lasts when the person named it ("/maintenance gw 2h"). */
  act(service: string, incidentId: string | null, action: ChatAction, by: string, opts?: { forMs?: number }): Promise<{ ok: boolean; message: string }>;
  statusLine(): string;
}

export interface TelegramCommandsOptions {
  apiBase: string;
  botToken: string;
  chatId: string;
  allow: readonly number[];
  pollTimeoutMs: number;
  clock: Clock;
  actions: ChatActions;
  emit(event: ClawbackEvent): void;
  /** Redacts text before it is sent. */
  redact(text: string): string;
  /** Where the update position is kept across daemon restarts (none: start from what Telegram still holds). */
  offsetStore?: OffsetStore;
  /** The channel's name: a failure notice is not sent back to the channel that failed. */
  channelName?: string;
  /** Waits before each new try of a message with buttons that did not get through (default 5 s, 15 s, 45 s, 2 min). */
  offerRetryMs?: readonly number[];
  /** The chat the configured one became, learnt by an earlier run (the outbox's chat-moved.json). */
  movedTo?: string;
  /** How long getUpdates may keep failing before a person is told the commands do not work (default 2 min). */
  failingAfterMs?: number;
}

/** getUpdates failing this long (a revoked token, another poller, no network) is news: the buttons and commands are dead. */
const COMMANDS_FAILING_AFTER_MS = 2 * 60_000;

const OFFER_RETRY_MS = [5_000, 15_000, 45_000, 120_000];

/** `username`: a public group's or channel's name, without the @ (Telegram matches it in any case). */
type Chat = { id: number | string; username?: string };

/**
 * The configured chat: its id, or its public "@name" (Bot API accepts either as chat_id, but an update names the chat
 * by its numeric id, so an "@name" compared with the id refused every command of an allowed person).
 */
export function isConfiguredChat(chat: Chat | undefined, chatId: string): boolean {
  if (!chat) return false;
  if (String(chat.id) === chatId) return true;
  return chatId.startsWith('@') && typeof chat.username === 'string' && `@${chat.username}`.toLowerCase() === chatId.toLowerCase();
}

interface Update {
  update_id: number;
  /** `date`: Unix time in seconds when the message was sent. */
  /** `migrate_to_chat_id`: the service message in a group upgraded to a supergroup, naming the new chat. */
  message?: { message_id: number; date?: number; chat: Chat; from?: { id: number; username?: string }; text?: string; migrate_to_chat_id?: number };
  callback_query?: { id: string; from: { id: number; username?: string }; data?: string; message?: { message_id: number; chat: Chat; text?: string } };
}

interface Pending {
  service: string;
  incidentId: string;
  action: ChatAction;
  /** Every button of one message shares the group; using one spends them all. */
  group: string;
}

const BUTTONS: Record<'escalation' | 'approval', Array<[ChatAction, string]>> = {
  escalation: [
    ['resume', 'Resume'],
    ['restart', 'Restart'],
    ['doctor', 'Run the doctor'],
    ['maintenance', 'Maintenance 30m'],
  ],
  approval: [
    ['approve', 'Approve the agent'],
    ['refuse', 'Refuse'],
  ],
};

/** A command older than this is not carried out: Telegram re-serves unconfirmed updates after a daemon restart. */
export const COMMAND_MAX_AGE_MS = 5 * 60_000;
/** Buttons kept answerable at most; the oldest messages' buttons expire first. */
export const MAX_PENDING_BUTTONS = 400;

const PAST: Record<ChatAction, string> = { resume: 'resumed', restart: 'restarted', doctor: 'doctor run', maintenance: 'maintenance 30m', reset: 'restart count reset', approve: 'agent approved', refuse: 'agent refused' };

function senderName(from: { id: number; username?: string }): string {
  return `telegram:${from.username ? `@${from.username}` : from.id}`;
}

/** Parses "/resume gw", "/maintenance gw 30m", "/approve inc-..." (the bot's @name suffix allowed). */
export function parseCommand(text: string): { action: ChatAction | 'status' | 'help'; arg?: string; extra?: string } | undefined {
  const m = /^\/([a-z]+)(?:@\w+)?(?:\s+(\S+))?(?:\s+(\S+))?/.exec(text.trim());
  if (!m) return undefined;
  const verb = m[1]!;
  const known = ['resume', 'restart', 'doctor', 'maintenance', 'reset', 'approve', 'refuse', 'status', 'help'];
  if (!known.includes(verb)) return undefined;
  return { action: verb as ChatAction | 'status' | 'help', ...(m[2] ? { arg: m[2] } : {}), ...(m[3] ? { extra: m[3] } : {}) };
}

/** A duration typed in the chat must name its unit ("45m", "2h"): a bare "30" would otherwise mean 30 ms. */
function chatDuration(text: string): number | undefined {
  return /^\d+(?:\.\d+)?(?:s|m|h|d)$/.test(text) ? parseDuration(text) : undefined;
}

export class TelegramCommands {
  private readonly pending = new Map<string, Pending>();
  private offset = 0;
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;
  /** What the latest refused call answered (`HTTP 401: Unauthorized`), for the failing notice. */
  private lastRefusal = '';
  /**
   * The chat the configured one became (a group upgraded to a supergroup), learnt from Telegram: buttons and replies go
   * there and its commands are taken. Sent to the old id, every button was refused and every command there ignored.
   */
  private movedTo: string | undefined;

  constructor(private readonly o: TelegramCommandsOptions) {
    this.movedTo = o.movedTo;
  }

  start(): void {
    this.loop ??= this.poll();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop?.catch(() => undefined);
  }

  /** The bus: escalations and approval requests get a message with buttons. */
  onEvent(e: ClawbackEvent): void {
    if (!e.service || !e.incidentId) return;
    if (e.type === 'incident.escalated') void this.offer('escalation', e);
    else if (e.type === 'incident.action' && e.details?.action === 'approval-requested') void this.offer('approval', e);
  }

  /**
   * Buttons again for an incident that was already waiting when this daemon started: the earlier buttons' one-use
   * nonces lived in the previous daemon's memory, so they answer "expired" now.
   */
  reoffer(kind: 'escalation' | 'approval', service: string, incidentId: string, message: string): void {
    void this.offer(kind, { type: 'incident.action', time: this.o.clock.now(), severity: 'warning', service, incidentId, message });
  }

  private url(method: string): string {
    return `${this.o.apiBase.replace(/\/+$/, '')}/bot${this.o.botToken}/${method}`;
  }

  private async call<T>(method: string, body: Record<string, unknown>, timeoutMs = 10_000): Promise<T | undefined> {
    const signal = AbortSignal.any([this.abort.signal, AbortSignal.timeout(timeoutMs)]);
    // Never followed: the bot token is in the path, and a Location may point anywhere (the alerts' sendHttp does the same).
    // An apiBase with user info (a Bot API server behind basic auth): sent as a header, as the alerts are (fetch refuses it).
    const req = withoutUserInfo({ url: this.url(method), method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const res = await fetch(req.url, { method: req.method, headers: req.headers, body: req.body, signal, redirect: 'manual' });
    // Updates and message answers are small; a body past the bound is not Telegram's (and is not read whole).
    const answer = await readBodyUpTo(res, TELEGRAM_MAX_ANSWER_BYTES).catch(() => ({ text: '', truncated: true }));
    let json: { ok?: boolean; result?: T } = {};
    if (!answer.truncated) {
      try {
        json = JSON.parse(answer.text) as typeof json;
      } catch {
        json = {};
      }
    }
    if (!json.ok) {
      const moved = telegramChatMovedTo(res.status, answer.truncated ? '' : answer.text);
      if (moved !== undefined) this.movedTo = moved;
      const description = typeof (json as { description?: unknown }).description === 'string' ? `: ${(json as { description: string }).description}` : '';
      this.lastRefusal = `HTTP ${res.status}${description}`;
    }
    return json.ok ? json.result : undefined;
  }

  private async offer(kind: 'escalation' | 'approval', e: ClawbackEvent): Promise<void> {
    const group = randomBytes(4).toString('hex');
    // Bounded: the oldest buttons expire first (Map keeps insertion order).
    for (const k of this.pending.keys()) {
      if (this.pending.size + BUTTONS[kind].length <= MAX_PENDING_BUTTONS) break;
      this.pending.delete(k);
    }
    const row = BUTTONS[kind].map(([action, label]) => {
      const nonce = randomBytes(6).toString('hex');
      this.pending.set(nonce, { service: e.service!, incidentId: e.incidentId!, action, group });
      return { text: label, callback_data: `cb:${nonce}` };
    });
    const title = kind === 'approval' ? `${e.service}: approve the Level 3 agent run?` : `${e.service} needs a human`;
    const text = cutText(this.o.redact(`${title}\nincident ${e.incidentId}\n${e.message}`), 3500);
    const body = { text, reply_markup: { inline_keyboard: [row] } };
    // A short outage must not cost the buttons (the alert itself is spooled by the outbox): bounded tries, and
    // none once the incident is over or the daemon stops.
    const waits = this.o.offerRetryMs ?? OFFER_RETRY_MS;
    for (let attempt = 0; ; attempt++) {
      if (await this.call('sendMessage', { chat_id: this.chat(), ...body }).catch(() => undefined)) return;
      if (attempt >= waits.length || this.abort.signal.aborted) break;
      const slept = await this.o.clock.sleep(waits[attempt]!, this.abort.signal).then(() => true, () => false);
      if (!slept || this.o.actions.incidentOf(e.service!) !== e.incidentId) return;
    }
    this.o.emit({
      type: 'notify.undelivered',
      time: this.o.clock.now(),
      severity: 'warning',
      service: e.service!,
      message: `Telegram: the ${kind === 'approval' ? 'approve/refuse' : 'resume/restart'} buttons for incident ${e.incidentId} could not be sent after ${waits.length + 1} tries; the commands still work (/${kind === 'approval' ? `approve ${e.incidentId}` : `resume ${e.service}`})`,
      details: { channel: this.o.channelName ?? 'telegram', incidentId: e.incidentId, buttons: kind },
    });
  }

  private async poll(): Promise<void> {
    let delay = 1000;
    const store = this.o.offsetStore;
    if (store) this.offset = Math.max(this.offset, await store.load());
    let saved = this.offset;
    // The run of failures: when it began (monotonic: a duration, which a step of the wall clock must neither end nor
    // stretch), how many, and whether a person was told (once per run).
    let failingSince: number | undefined;
    let failures = 0;
    let told = false;
    while (!this.abort.signal.aborted) {
      try {
        const updates = await this.call<Update[]>(
          'getUpdates',
          { offset: this.offset, timeout: Math.round(this.o.pollTimeoutMs / 1000), allowed_updates: ['message', 'callback_query'] },
          this.o.pollTimeoutMs + 10_000,
        );
        // Refused (a revoked token's 401, 409 while another poller holds this bot, a 5xx, a 3xx): backed off like a
        // network error, not asked again at once (that was a hot loop, hundreds of requests a second).
        if (updates === undefined) throw new Error(`getUpdates refused (${this.lastRefusal || 'no answer'})`);
        if (told) this.commandsNotice('notify.commands-recovered', failingSince!, failures, '');
        failingSince = undefined;
        failures = 0;
        told = false;
        for (const u of updates ?? []) {
          this.offset = Math.max(this.offset, u.update_id + 1);
          await this.handle(u);
        }
        if (store && this.offset !== saved) {
          // A failed save (full disk) only risks a re-served command younger than COMMAND_MAX_AGE_MS; polling goes on.
          await store.save(this.offset).then(
            () => (saved = this.offset),
            () => undefined,
          );
        }
        delay = 1000;
      } catch (err) {
        if (this.abort.signal.aborted) return;
        failingSince ??= this.o.clock.monotonic();
        failures++;
        if (!told && this.o.clock.monotonic() - failingSince >= (this.o.failingAfterMs ?? COMMANDS_FAILING_AFTER_MS)) {
          told = true;
          this.commandsNotice('notify.commands-failing', failingSince, failures, (err as Error)?.message ?? String(err));
        }
        await this.o.clock.sleep(delay, this.abort.signal).catch(() => undefined);
        delay = Math.min(delay * 2, 30_000);
      }
    }
  }

  /** One warning when getUpdates has failed for failingAfterMs, one when it answers again (not one per failure); since: monotonic. */
  private commandsNotice(type: 'notify.commands-failing' | 'notify.commands-recovered', since: number, failures: number, error: string): void {
    const channel = this.o.channelName ?? 'telegram';
    const forMs = this.o.clock.monotonic() - since;
    const forS = Math.round(forMs / 1000);
    this.o.emit(
      type === 'notify.commands-failing'
        ? {
            type,
            time: this.o.clock.now(),
            severity: 'warning',
            message: this.o.redact(`Telegram chat commands and buttons on ${channel} do not work: getUpdates has failed for ${forS} s (${failures} tries; last: ${error}). A revoked bot token, or another program polling the same bot? Alerts are still sent; still retrying`),
            details: { channel, failures, failingForMs: forMs, error: this.o.redact(error) },
          }
        : {
            type,
            time: this.o.clock.now(),
            severity: 'resolved',
            message: `Telegram chat commands and buttons on ${channel} work again after ${forS} s (${failures} failed tries)`,
            details: { channel, failures, failingForMs: forMs },
          },
    );
  }

  private journal(action: string, by: string, message: string, service?: string, incidentId?: string): void {
    const e: ClawbackEvent = { type: 'incident.action', time: this.o.clock.now(), severity: 'info', message, details: { action, by } };
    if (service) e.service = service;
    if (incidentId) e.incidentId = incidentId;
    this.o.emit(e);
  }

  /**
   * Why a sender may not act here, or undefined when they may. An allowed person writing in another chat was logged
   * "not on the allow-list", which sent whoever read the journal to the allow-list instead of the chat.
   */
  private refusal(from: { id: number } | undefined, chat: Chat | undefined): string | undefined {
    if (!from || !this.o.allow.includes(from.id)) return 'not on the allow-list';
    if (isConfiguredChat(chat, this.o.chatId) || (this.movedTo !== undefined && String(chat?.id) === this.movedTo)) return undefined;
    return `sent in chat ${chat?.id ?? 'unknown'}, not the configured chat ${this.chat()}`;
  }

  /** Where buttons and replies go: the configured chat, or the supergroup it became. */
  private chat(): string {
    return this.movedTo ?? this.o.chatId;
  }

  private async handle(u: Update): Promise<void> {
    const cb = u.callback_query;
    if (cb) return this.handleCallback(cb);
    const msg = u.message;
    if (msg?.migrate_to_chat_id !== undefined && Number.isSafeInteger(msg.migrate_to_chat_id) && isConfiguredChat(msg.chat, this.o.chatId)) this.movedTo = String(msg.migrate_to_chat_id);
    if (!msg?.text) return;
    const cmd = parseCommand(msg.text);
    if (!cmd) return;
    const by = msg.from ? senderName(msg.from) : 'telegram:unknown';
    const refused = this.refusal(msg.from, msg.chat);
    if (refused) {
      this.journal('chat-refused', by, `chat command "${cmd.action}" from ${by} refused: ${refused}`);
      return;
    }
    // An old command (re-served after a restart, or sent while the daemon was down) is not carried out late.
    const ageMs = msg.date !== undefined ? this.o.clock.now() - msg.date * 1000 : 0;
    if (ageMs > COMMAND_MAX_AGE_MS) {
      this.journal('chat-refused', by, `chat command "${cmd.action}" from ${by} refused: sent ${Math.round(ageMs / 60_000)} min ago, too old to act on`);
      await this.call('sendMessage', { chat_id: this.chat(), text: `Not done: this command is ${Math.round(ageMs / 60_000)} min old. Send it again if it still applies.`, reply_to_message_id: msg.message_id }).catch(() => undefined);
      return;
    }
    let reply: string;
    if (cmd.action === 'status' || cmd.action === 'help') reply = cmd.action === 'status' ? this.o.actions.statusLine() : 'commands: /status, /resume NAME, /restart NAME, /doctor NAME, /maintenance NAME [30m], /reset NAME, /approve INCIDENT, /refuse INCIDENT';
    else if (!cmd.arg) reply = `usage: /${cmd.action} ${cmd.action === 'approve' || cmd.action === 'refuse' ? 'INCIDENT' : 'NAME'}`;
    else if (cmd.action === 'maintenance' && cmd.extra && chatDuration(cmd.extra) === undefined) reply = `usage: /maintenance NAME [DURATION such as 30m or 2h], got ${JSON.stringify(cmd.extra)}`;
    else {
      const incident = cmd.action === 'approve' || cmd.action === 'refuse' ? cmd.arg : null;
      const service = incident ? '' : cmd.arg;
      const forMs = cmd.action === 'maintenance' && cmd.extra ? chatDuration(cmd.extra) : undefined;
      const r = await this.o.actions.act(service, incident, cmd.action, by, forMs !== undefined ? { forMs } : undefined);
      this.journal('chat-command', by, `${by} via the chat: ${cmd.action} ${cmd.arg}: ${r.message}`, service || undefined, incident ?? undefined);
      reply = r.message;
    }
    await this.call('sendMessage', { chat_id: this.chat(), text: cutText(this.o.redact(reply), 3500), reply_to_message_id: msg.message_id }).catch(() => undefined);
  }

  private async handleCallback(cb: NonNullable<Update['callback_query']>): Promise<void> {
    const by = senderName(cb.from);
    const nonce = /^cb:([0-9a-f]{12})$/.exec(cb.data ?? '')?.[1];
    const p = nonce ? this.pending.get(nonce) : undefined;
    // The popup is a message like any other: an action's failure may quote a secret (redacted like the reply and the edit).
    const answer = (text: string): Promise<unknown> => this.call('answerCallbackQuery', { callback_query_id: cb.id, text: cutText(this.o.redact(text), 190) }).catch(() => undefined);
    const refused = this.refusal(cb.from, cb.message?.chat);
    if (refused) {
      this.journal('chat-refused', by, `button press from ${by} refused: ${refused}`, p?.service, p?.incidentId);
      await answer('Not allowed.');
      return;
    }
    if (!p || !nonce) {
      this.journal('chat-refused', by, `button press from ${by} refused: used already or expired`);
      await answer('This button was used already or has expired.');
      return;
    }
    // One use: every button of the message is spent, whatever the outcome.
    for (const [k, v] of this.pending) if (v.group === p.group) this.pending.delete(k);
    // Only on its own incident: a button of a closed incident does nothing.
    if (p.action !== 'approve' && p.action !== 'refuse' && this.o.actions.incidentOf(p.service) !== p.incidentId) {
      this.journal('chat-refused', by, `button press from ${by} refused: incident ${p.incidentId} is no longer open`, p.service, p.incidentId);
      await answer('That incident is closed.');
      return;
    }
    const r = await this.o.actions.act(p.service, p.incidentId, p.action, by);
    this.journal('chat-command', by, `${by} via the chat: ${p.action} on ${p.service} (incident ${p.incidentId}): ${r.message}`, p.service, p.incidentId);
    await answer(r.ok ? 'Done.' : r.message);
    const when = new Date(this.o.clock.now()).toISOString().slice(11, 16);
    const line = r.ok ? `✔ ${PAST[p.action]} by ${by.replace(/^telegram:/, '')} at ${when} UTC` : `✖ ${p.action} by ${by.replace(/^telegram:/, '')} failed: ${r.message}`;
    if (cb.message) {
      await this.call('editMessageText', { chat_id: cb.message.chat.id, message_id: cb.message.message_id, text: cutText(this.o.redact(`${cb.message.text ?? ''}\n\n${line}`), 4000) }).catch(() => undefined);
    }
  }
}
