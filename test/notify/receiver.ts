// A real loopback endpoint for every channel kind: validates payloads against each API's limits and records them.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type ReceiverChannel = 'discord' | 'slack' | 'telegram' | 'webhook' | 'ntfy';

export interface ReceivedMessage {
  channel: ReceiverChannel;
  path: string;
  headers: http.IncomingHttpHeaders;
  raw: string;
  /** Parsed JSON body (all but ntfy). */
  json: unknown;
  /** The human-visible text, gathered for assertions. */
  text: string;
  at: number;
  /** POST (a new message) or an edit (Discord PATCH …/messages/{id}, Telegram editMessageText). */
  op: 'new' | 'edit';
  /** The message id this request created (new) or edited (edit), for Discord and Telegram. */
  messageId?: string;
}

export interface RequestRecord {
  channel: ReceiverChannel | 'unknown';
  path: string;
  at: number;
  status: number;
  reason?: string;
}

interface Scripted {
  count: number;
  status: number;
  retryAfterSec?: number;
  body?: string;
  /** Never answer (the client must time out). */
  hang?: boolean;
  /** Extra answer headers (Discord's X-RateLimit-*, a Date). */
  headers?: Record<string, string>;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function channelOf(path: string): ReceiverChannel | 'unknown' {
  const first = path.split('/')[1] ?? '';
  return (['discord', 'slack', 'telegram', 'webhook', 'ntfy'] as const).find((c) => c === first) ?? 'unknown';
}

function allStrings(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) v.forEach((x) => allStrings(x, out));
  else if (v && typeof v === 'object') Object.values(v).forEach((x) => allStrings(x, out));
  return out;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown): v is string => typeof v === 'string';

// ---- Discord: https://discord.com/developers/docs/resources/message#embed-object-embed-limits
// Its limits count code points (the API is Python: discord/discord-api-docs#1315), not UTF-16 units.
const cp = (s: string): number => Array.from(s).length;
function validateDiscord(body: unknown): string | null {
  if (!isObj(body)) return 'body is not an object';
  const content = body['content'];
  const embeds = body['embeds'];
  if (content === undefined && embeds === undefined) return 'neither content nor embeds';
  if (content !== undefined && (!str(content) || cp(content) > 2000)) return 'content longer than 2000';
  if (body['username'] !== undefined && (!str(body['username']) || cp(body['username']) > 80)) return 'username too long';
  // https://discord.com/developers/docs/resources/user#usernames-and-nicknames (and webhook names): Discord answers 400.
  if (str(body['username']) && (/discord|clyde/i.test(body['username']) || /^(everyone|here)$/i.test(body['username'].trim()))) return 'username cannot contain "discord" or "clyde"';
  if (embeds !== undefined) {
    if (!Array.isArray(embeds) || embeds.length > 10) return 'more than 10 embeds';
    let total = 0;
    for (const e of embeds) {
      if (!isObj(e)) return 'embed not an object';
      const title = e['title'];
      const desc = e['description'];
      if (title !== undefined && (!str(title) || cp(title) > 256)) return `embed title ${str(title) ? cp(title) : '?'} > 256`;
      if (desc !== undefined && (!str(desc) || cp(desc) > 4096)) return `embed description ${str(desc) ? cp(desc) : '?'} > 4096`;
      total += (str(title) ? cp(title) : 0) + (str(desc) ? cp(desc) : 0);
      const color = e['color'];
      if (color !== undefined && (typeof color !== 'number' || !Number.isInteger(color) || color < 0 || color > 0xffffff)) return 'bad color';
      const fields = e['fields'];
      if (fields !== undefined) {
        if (!Array.isArray(fields) || fields.length > 25) return 'more than 25 fields';
        for (const f of fields) {
          if (!isObj(f) || !str(f['name']) || !str(f['value'])) return 'field without name/value';
          if (f['name'].length === 0 || cp(f['name']) > 256) return 'field name length';
          if (f['value'].length === 0 || cp(f['value']) > 1024) return 'field value length';
          total += cp(f['name']) + cp(f['value']);
        }
      }
      const footer = e['footer'];
      if (footer !== undefined) {
        if (!isObj(footer) || !str(footer['text']) || cp(footer['text']) > 2048) return 'footer text > 2048';
        total += cp(footer['text']);
      }
      if (e['timestamp'] !== undefined && (!str(e['timestamp']) || Number.isNaN(Date.parse(e['timestamp'])))) return 'bad timestamp';
    }
    if (total > 6000) return `embeds total ${total} > 6000`;
  }
  return null;
}

function discordText(body: Obj): string {
  const parts: string[] = [];
  if (str(body['content'])) parts.push(body['content']);
  for (const e of (body['embeds'] as Obj[] | undefined) ?? []) {
    if (str(e['title'])) parts.push(e['title']);
    if (str(e['description'])) parts.push(e['description']);
    for (const f of (e['fields'] as Obj[] | undefined) ?? []) parts.push(`${String(f['name'])}: ${String(f['value'])}`);
    if (isObj(e['footer'])) parts.push(String(e['footer']['text']));
  }
  return parts.join('\n');
}

// ---- Slack mrkdwn: &, <, > escaped; <...> only as control sequences.
function slackEscapingError(text: string): string | null {
  const withoutControls = text.replace(/<(![a-z]+(\^[^|>]*)*(\|[^<>]*)?|https?:[^<>]*|@[A-Z0-9]+|#[A-Z0-9]+)>/g, '');
  if (/[<>]/.test(withoutControls)) return 'unescaped < or > in mrkdwn';
  const amp = withoutControls.replace(/&(amp|lt|gt);/g, '');
  if (amp.includes('&')) return 'unescaped & in mrkdwn';
  return null;
}

function validateSlack(body: unknown): string | null {
  if (!isObj(body)) return 'body is not an object';
  if (!str(body['text']) || body['text'].length === 0 || body['text'].length > 3000) return 'text missing or > 3000';
  const textErr = slackEscapingError(body['text']);
  if (textErr) return `text: ${textErr}`;
  const blocks = body['blocks'];
  if (!Array.isArray(blocks) || blocks.length === 0 || blocks.length > 50) return 'blocks missing or > 50';
  const checkText = (t: unknown, max: number, where: string): string | null => {
    if (!isObj(t) || (t['type'] !== 'mrkdwn' && t['type'] !== 'plain_text') || !str(t['text'])) return `${where}: bad text object`;
    if (t['text'].length === 0 || t['text'].length > max) return `${where}: text length ${t['text'].length} > ${max}`;
    if (t['type'] === 'mrkdwn') {
      const e = slackEscapingError(t['text']);
      if (e) return `${where}: ${e}`;
    }
    return null;
  };
  for (const [i, b] of blocks.entries()) {
    if (!isObj(b)) return `block ${i} not an object`;
    switch (b['type']) {
      case 'header': {
        const t = b['text'];
        if (!isObj(t) || t['type'] !== 'plain_text') return `block ${i}: header needs plain_text`;
        const e = checkText(t, 150, `block ${i}`);
        if (e) return e;
        break;
      }
      case 'section': {
        if (b['text'] === undefined && b['fields'] === undefined) return `block ${i}: empty section`;
        if (b['text'] !== undefined) {
          const e = checkText(b['text'], 3000, `block ${i}`);
          if (e) return e;
        }
        if (b['fields'] !== undefined) {
          if (!Array.isArray(b['fields']) || b['fields'].length > 10) return `block ${i}: more than 10 fields`;
          for (const f of b['fields']) {
            const e = checkText(f, 2000, `block ${i} field`);
            if (e) return e;
          }
        }
        break;
      }
      case 'context': {
        const els = b['elements'];
        if (!Array.isArray(els) || els.length === 0 || els.length > 10) return `block ${i}: context elements`;
        for (const el of els) {
          const e = checkText(el, 3000, `block ${i} context`);
          if (e) return e;
        }
        break;
      }
      case 'divider':
        break;
      default:
        return `block ${i}: unsupported type ${String(b['type'])}`;
    }
  }
  return null;
}

// ---- Telegram: HTML or MarkdownV2, 4096 characters.
const HTML_TAGS = new Set(['b', 'strong', 'i', 'em', 'u', 'ins', 's', 'strike', 'del', 'code', 'pre', 'a', 'span', 'tg-spoiler', 'blockquote']);

export function telegramHtmlError(text: string): string | null {
  const stack: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '<') {
      const m = /^<(\/?)([a-z-]+)(\s[^<>]*)?>/.exec(text.slice(i));
      if (!m || !HTML_TAGS.has(m[2]!)) return `unescaped < or unknown tag at ${i}`;
      if (m[1]) {
        if (stack.pop() !== m[2]) return `unbalanced </${m[2]}> at ${i}`;
      } else stack.push(m[2]!);
      i += m[0].length;
      continue;
    }
    if (c === '>') return `unescaped > at ${i}`;
    if (c === '&') {
      const m = /^&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);/.exec(text.slice(i, i + 12));
      if (!m) return `unescaped & at ${i}`;
      i += m[0].length;
      continue;
    }
    i++;
  }
  return stack.length ? `unclosed <${stack.join('>, <')}>` : null;
}

export function telegramMarkdownV2Error(text: string): string | null {
  const stack: string[] = [];
  let inPre = false;
  let inCode = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\\') {
      const next = text.charCodeAt(i + 1);
      if (!(next >= 1 && next <= 126)) return `backslash before a character that cannot be escaped at ${i}`;
      i += 2;
      continue;
    }
    if (inPre) {
      if (text.startsWith('```', i)) {
        inPre = false;
        i += 3;
      } else if (c === '`') return `unescaped \` inside pre at ${i}`;
      else i++;
      continue;
    }
    if (inCode) {
      if (c === '`') inCode = false;
      i++;
      continue;
    }
    if (text.startsWith('```', i)) {
      inPre = true;
      i += 3;
      continue;
    }
    if (c === '`') {
      inCode = true;
      i++;
      continue;
    }
    const marker = c === '_' && text[i + 1] === '_' ? '__' : c === '|' && text[i + 1] === '|' ? '||' : '*_~'.includes(c) ? c : null;
    if (marker) {
      if (stack[stack.length - 1] === marker) stack.pop();
      else stack.push(marker);
      i += marker.length;
      continue;
    }
    if ('[]()>#+-=|{}.!'.includes(c)) return `unescaped ${c} at ${i}`;
    i++;
  }
  if (inPre || inCode) return 'unclosed code';
  return stack.length ? `unclosed ${stack.join(' ')}` : null;
}

function validateTelegram(path: string, body: unknown): string | null {
  if (!/^\/telegram\/bot[^/]+\/(sendMessage|editMessageText)$/.test(path)) return 'path is not /bot<token>/sendMessage or editMessageText';
  if (!isObj(body)) return 'body is not an object';
  if (path.endsWith('/editMessageText') && typeof body['message_id'] !== 'number') return 'editMessageText without a numeric message_id';
  if (!(str(body['chat_id']) || typeof body['chat_id'] === 'number')) return 'chat_id missing';
  const text = body['text'];
  if (!str(text) || text.length === 0) return 'text missing';
  if (text.length > 4096) return `text ${text.length} > 4096`;
  const mode = body['parse_mode'];
  if (mode === 'HTML') return telegramHtmlError(text);
  if (mode === 'MarkdownV2') return telegramMarkdownV2Error(text);
  if (mode !== undefined) return `unknown parse_mode ${String(mode)}`;
  return null;
}

// ---- Generic webhook: version 1 envelope around a ClawbackEvent.
function validateWebhook(body: unknown): string | null {
  if (!isObj(body)) return 'body is not an object';
  if (body['version'] !== 1 || body['source'] !== 'clawback') return 'bad envelope';
  if (!str(body['host']) || typeof body['delayed'] !== 'boolean') return 'host/delayed missing';
  if (!str(body['type']) || typeof body['time'] !== 'number' || !str(body['message']) || !str(body['title'])) return 'event fields missing';
  if (!['info', 'warning', 'critical', 'resolved'].includes(String(body['severity']))) return 'bad severity';
  if (!['event', 'reminder', 'test'].includes(String(body['kind']))) return 'bad kind';
  return null;
}

// ---- ntfy: headers plus a UTF-8 body of at most 4096 bytes.
export function decodeRfc2047(value: string): string {
  const m = /^=\?UTF-8\?B\?([A-Za-z0-9+/=]*)\?=$/i.exec(value);
  return m ? new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(m[1]!, 'base64')) : value;
}

function validateNtfy(path: string, headers: http.IncomingHttpHeaders, raw: Buffer): string | null {
  if (!/^\/ntfy\/[A-Za-z0-9_-]{1,64}$/.test(path)) return 'bad topic path';
  const title = headers['title'];
  if (!str(title) || title.length === 0) return 'Title header missing';
  try {
    decodeRfc2047(title);
  } catch {
    return 'Title is not valid UTF-8';
  }
  if (!/^[1-5]$/.test(String(headers['priority'] ?? ''))) return 'Priority must be 1-5';
  if (!str(headers['tags']) || headers['tags'].length === 0) return 'Tags missing';
  if (raw.length === 0) return 'empty body';
  if (raw.length > 4096) return `body ${raw.length} bytes > 4096`;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    return 'body is not valid UTF-8';
  }
  return null;
}

const OK_BODIES: Record<ReceiverChannel, { status: number; body: string; type?: string }> = {
  discord: { status: 204, body: '' },
  slack: { status: 200, body: 'ok', type: 'text/plain' },
  telegram: { status: 200, body: JSON.stringify({ ok: true, result: { message_id: 1 } }), type: 'application/json' },
  webhook: { status: 200, body: '{}', type: 'application/json' },
  ntfy: { status: 200, body: JSON.stringify({ id: 'x', event: 'message' }), type: 'application/json' },
};

export class Receiver {
  readonly accepted: ReceivedMessage[] = [];
  readonly requests: RequestRecord[] = [];
  private scripted: Scripted[] = [];
  /** Ids of messages created so far (Discord and Telegram), to check that edits target a real message. */
  private readonly created = new Set<string>();
  private nextId = 1000;

  /** Ends any scripted answers at once (the endpoint is "back up"). */
  clearScript(): void {
    this.scripted = [];
  }

  /** Requests that created a new message (not edits), for one channel. */
  posts(channel: ReceiverChannel): ReceivedMessage[] {
    return this.of(channel).filter((m) => m.op === 'new');
  }
  private readonly server: http.Server;
  private listening = false;
  port = 0;
  /** Headers the webhook path must carry (e.g. a token). */
  webhookRequiredHeaders: Record<string, string> = {};
  /**
   * Largest webhook body taken, in bytes; a larger one is answered 413 the way body-parser (Express's default limit
   * is 100 kB) and nginx (`client_max_body_size`) do.
   */
  webhookMaxBytes: number | undefined;
  /** Telegram chats upgraded to a supergroup (old id -> new id): a message to the old id is refused the way Telegram does. */
  readonly telegramMigrated = new Map<string, number>();

  private constructor() {
    this.server = http.createServer((req, res) => this.handle(req, res));
    this.server.keepAliveTimeout = 1000;
  }

  static async start(): Promise<Receiver> {
    const r = new Receiver();
    await r.listen(0);
    return r;
  }

  get base(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get rejected(): RequestRecord[] {
    return this.requests.filter((r) => r.status === 400);
  }

  of(channel: ReceiverChannel): ReceivedMessage[] {
    return this.accepted.filter((m) => m.channel === channel);
  }

  /** The next `count` requests get `status` (e.g. 429 with Retry-After, 500, 404). */
  script(count: number, status: number, opts: { retryAfterSec?: number; body?: string; hang?: boolean; headers?: Record<string, string> } = {}): void {
    this.scripted.push({ count, status, ...opts });
  }

  /** Every request whose body matches gets `status` (a flapping endpoint that refuses some messages, accepts others). */
  refuseWhere(pred: ((raw: string) => boolean) | undefined, status = 500): void {
    this.refusing = pred ? { pred, status } : undefined;
  }
  private refusing: { pred: (raw: string) => boolean; status: number } | undefined;

  rateLimit(count: number, retryAfterSec: number): void {
    this.script(count, 429, { retryAfterSec });
  }

  /** Stops listening and drops every open connection: clients see connection refused. */
  async down(): Promise<void> {
    if (!this.listening) return;
    this.listening = false;
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  /** Listens again on the same port. */
  async up(): Promise<void> {
    if (this.listening) return;
    await this.listen(this.port);
  }

  async close(): Promise<void> {
    await this.down();
  }

  async waitFor(pred: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pred()) {
      if (Date.now() > deadline) {
        const rej = this.rejected.map((r) => `${r.path}: ${r.reason}`).join('\n');
        throw new Error(`timed out waiting for ${what}; accepted ${this.accepted.length}${rej ? `; rejected:\n${rej}` : ''}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  private listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        this.port = (this.server.address() as AddressInfo).port;
        this.listening = true;
        resolve();
      });
    });
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const path = (req.url ?? '/').split('?')[0]!;
      const query = new URLSearchParams((req.url ?? '').split('?')[1] ?? '');
      const channel = channelOf(path);
      const at = Date.now();
      const reply = (status: number, body: string, headers: Record<string, string> = {}): void => {
        res.writeHead(status, { 'content-type': 'text/plain', ...headers });
        res.end(body);
      };

      const s = this.scripted[0];
      if (s) {
        s.count -= 1;
        if (s.count <= 0) this.scripted.shift();
        this.requests.push({ channel, path, at, status: s.status });
        if (s.hang) return;
        const headers: Record<string, string> = { ...s.headers };
        let body = s.body ?? `scripted ${s.status}`;
        if (s.retryAfterSec !== undefined) {
          headers['retry-after'] = String(s.retryAfterSec);
          if (channel === 'discord' && s.body === undefined) body = JSON.stringify({ message: 'You are being rate limited.', retry_after: s.retryAfterSec, global: false });
          if (channel === 'telegram' && s.body === undefined) body = JSON.stringify({ ok: false, error_code: 429, parameters: { retry_after: s.retryAfterSec } });
        }
        reply(s.status, body, headers);
        return;
      }

      if (this.refusing?.pred(raw.toString('utf8'))) {
        this.requests.push({ channel, path, at, status: this.refusing.status });
        reply(this.refusing.status, `refused ${this.refusing.status}`);
        return;
      }

      if (channel === 'webhook' && this.webhookMaxBytes !== undefined && raw.length > this.webhookMaxBytes) {
        this.requests.push({ channel, path, at, status: 413, reason: `body ${raw.length} bytes > ${this.webhookMaxBytes}` });
        reply(413, JSON.stringify({ type: 'entity.too.large', message: 'request entity too large' }), { 'content-type': 'application/json' });
        return;
      }

      if (channel === 'telegram' && this.telegramMigrated.size > 0) {
        let chat: unknown;
        try {
          chat = (JSON.parse(raw.toString('utf8')) as Obj)['chat_id'];
        } catch {
          chat = undefined;
        }
        const to = chat !== undefined ? this.telegramMigrated.get(String(chat)) : undefined;
        if (to !== undefined) {
          this.requests.push({ channel, path, at, status: 400, reason: `chat ${String(chat)} migrated to ${to}` });
          const answer = { ok: false, error_code: 400, description: 'Bad Request: group chat was upgraded to a supergroup chat', parameters: { migrate_to_chat_id: to } };
          reply(400, JSON.stringify(answer), { 'content-type': 'application/json' });
          return;
        }
      }

      const discordEdit = channel === 'discord' ? /\/messages\/([^/]+)$/.exec(path) : null;
      const telegramEdit = channel === 'telegram' && path.endsWith('/editMessageText');
      let reason = this.validate(channel, req, path, raw);
      let messageId: string | undefined;
      if (!reason && discordEdit) {
        messageId = decodeURIComponent(discordEdit[1]!);
        if (!this.created.has(messageId)) reason = `edit of unknown message ${messageId}`;
      }
      if (!reason && telegramEdit) {
        messageId = String((JSON.parse(raw.toString('utf8')) as Obj)['message_id']);
        if (!this.created.has(messageId)) reason = `edit of unknown message ${messageId}`;
      }
      const isEdit = !!discordEdit || telegramEdit;
      if (reason) {
        this.requests.push({ channel, path, at, status: 400, reason });
        // Telegram answers a markup it cannot read with its own wording (the dispatcher recognises it).
        if (channel === 'telegram') reply(400, JSON.stringify({ ok: false, error_code: 400, description: `Bad Request: can't parse entities: ${reason}` }), { 'content-type': 'application/json' });
        else reply(400, reason);
        return;
      }
      this.requests.push({ channel, path, at, status: OK_BODIES[channel as ReceiverChannel].status });
      const text = raw.toString('utf8');
      let json: unknown;
      let human = text;
      if (channel !== 'ntfy') {
        json = JSON.parse(text);
        if (channel === 'discord') human = discordText(json as Obj);
        else if (channel === 'slack') human = allStrings(json).join('\n');
        else if (channel === 'telegram') human = String((json as Obj)['text']);
      } else {
        human = `${decodeRfc2047(String(req.headers['title']))}\n${text}`;
      }
      if (!isEdit && (channel === 'telegram' || (channel === 'discord' && query.get('wait') === 'true'))) {
        messageId = String(this.nextId++);
        this.created.add(messageId);
      }
      this.accepted.push({ channel: channel as ReceiverChannel, path, headers: req.headers, raw: text, json, text: human, at, op: isEdit ? 'edit' : 'new', ...(messageId ? { messageId } : {}) });
      if (channel === 'discord' && (isEdit || query.get('wait') === 'true')) {
        reply(200, JSON.stringify({ id: messageId, type: 0, content: '' }), { 'content-type': 'application/json' });
        return;
      }
      if (channel === 'telegram') {
        reply(200, JSON.stringify({ ok: true, result: { message_id: Number(messageId) } }), { 'content-type': 'application/json' });
        return;
      }
      const ok = OK_BODIES[channel as ReceiverChannel];
      reply(ok.status, ok.body, ok.type ? { 'content-type': ok.type } : {});
    });
  }

  private validate(channel: ReceiverChannel | 'unknown', req: http.IncomingMessage, path: string, raw: Buffer): string | null {
    if (channel === 'unknown') return `unknown path ${path}`;
    const discordEdit = channel === 'discord' && /\/messages\/[^/]+$/.test(path);
    if (discordEdit ? req.method !== 'PATCH' : req.method !== 'POST' && !(channel === 'webhook' && req.method === 'PUT')) return `method ${req.method}`;
    if (channel === 'ntfy') return validateNtfy(path, req.headers, raw);
    if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) return 'content-type is not application/json';
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return 'body is not JSON';
    }
    if (allStrings(body).some((s) => LONE_SURROGATE.test(s))) return 'a string holds a broken surrogate pair';
    switch (channel) {
      case 'discord':
        return validateDiscord(body);
      case 'slack':
        return validateSlack(body);
      case 'telegram':
        return validateTelegram(path, body);
      case 'webhook': {
        for (const [k, v] of Object.entries(this.webhookRequiredHeaders)) {
          if (req.headers[k.toLowerCase()] !== v) return `header ${k} missing or wrong`;
        }
        return validateWebhook(body);
      }
    }
  }
}
