// The daemon's local HTTP API: status, control, live events (SSE), metrics and the dashboard.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ClawbackEvent } from '../observe/events.js';
import { bearerOf, hostAllowed, isLoopbackHost, originAllowed, tokenMatches } from './auth.js';
import { answerTurns } from './answer-turns.js';
import { capConnections } from './connection-cap.js';
import { pipelineCap } from './pipeline-cap.js';
import { openEventStream, type EventStreamOptions } from './event-stream.js';
import { redactLabelValues } from '../observe/exposition-text.js';
import type { Clock } from '../platform/clock.js';
import { sharedStatus } from './shared-status.js';
import { PAGE_CSP, setSecurityHeaders } from './security-headers.js';

export type ServiceAction = 'start' | 'stop' | 'restart' | 'resume' | 'doctor' | 'reset';
export const SERVICE_ACTIONS: readonly ServiceAction[] = ['start', 'stop', 'restart', 'resume', 'doctor', 'reset'];

export interface ApiHandlers {
  status(): unknown;
  /** /healthz: the supervision loop's own liveness (503 with the reason when stuck); absent: 200 while the server answers. */
  health?: () => { status: number; body: unknown };
  /** Changes whenever the status may have (the daemon's count of emitted events); absent: the status is shared by age only. */
  statusVersion?: () => number;
  /** `runId`: the doctor run a `doctor` request started (its journal events and status work carry it). */
  /** `query`: the request's parameters (`by`: who asked, for a reset's journal line); `reset`: what a reset set back. */
  action(service: string, action: ServiceAction, query?: URLSearchParams): Promise<{ ok: boolean; status: number; message: string; runId?: string; reset?: unknown }>;
  /** Other state-changing POST routes (maintenance, approvals); undefined when not handled. */
  command?: (path: string, query: URLSearchParams) => Promise<{ status: number; body: Record<string, unknown> } | undefined>;
  /** Live events; returns an unsubscribe function. */
  subscribe(listener: (event: ClawbackEvent) => void): () => void;
  metrics?: () => Promise<string>;
  /** Extra POST routes outside /api/services (e.g. /api/notify/flush); token checked before; undefined when not handled. */
  post?: (path: string, query: URLSearchParams) => Promise<{ status: number; body: unknown } | undefined>;
  /** Extra read-only GET routes (e.g. incidents); return undefined when not handled. */
  extra?: (path: string, query: URLSearchParams) => Promise<unknown | undefined>;
  dashboard?: (path: string) => { body: string | Buffer; type: string } | undefined;
}

/** An extra route's answer with a status of its own (a 404 for an id that names nothing); plain values answer 200. */
export class ApiAnswer {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {}
}

/** What leaves the daemon through the API passes this (status JSON, SSE events, extra routes, /metrics text). */
export interface ApiRedactor {
  redact(text: string): string;
  redactDeep<T>(value: T): T;
}

export interface ApiServer {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Connections held at once; one more closes the oldest idle one (connection-cap.ts). Anyone on the machine may connect (reads need no token on
 * loopback): without a bound a flood of idle or streaming sockets took every file descriptor, and the daemon could
 * no longer write its heartbeat or journal, nor start a service.
 */
export const API_MAX_CONNECTIONS = 256;
/**
 * Live event streams at once (each stays open for good); one more is answered 503 and the dashboard retries, unless it
 * brings the token and a stream opened without one is there to make room.
 */
export const SSE_MAX_SUBSCRIBERS = 32;
/** Requests one connection may have waiting for their answer (pipelined); one more drops the connection (pipeline-cap.ts). */
export const API_MAX_PIPELINED = 8;
/** A client that has not sent its whole request head by then is dropped (slow-header clients hold a connection). */
export const API_HEADERS_TIMEOUT_MS = 10_000;
/**
 * A client that has not taken its whole answer by then is dropped: the daemon held every unread answer for good
 * (256 sockets asking for the incident history and reading nothing held 3.5 GB).
 */
export const API_SEND_STALL_MS = 30_000;
/** How long the unread rest of a request body is still taken after the answer before the connection is dropped. */
export const API_BODY_LINGER_MS = 1_000;
/** Bytes of answers not taken yet beyond which a read route answers 503 until clients take theirs (or are dropped). */
export const API_MAX_UNSENT_BYTES = 64 * 1024 * 1024;

/** Answers sent and not yet taken by their client. */
type Unsent = Set<ServerResponse>;

/** Drops the connection when the answer `res` ended with is still not taken `ms` later. */
function boundSend(res: ServerResponse, ms: number, unsent?: Unsent): void {
  if (res.writableFinished) return;
  unsent?.add(res);
  const timer = setTimeout(() => res.destroy(), ms);
  timer.unref();
  const clear = (): void => {
    clearTimeout(timer);
    unsent?.delete(res);
  };
  res.once('finish', clear);
  res.once('close', clear);
}

function unsentBytes(unsent: Unsent): number {
  let n = 0;
  for (const res of unsent) n += res.socket?.writableLength ?? 0;
  return n;
}

/** Compact JSON (scripts read it with jq): the indented status of 100 services was 176 KB, compact 109 KB, built in half the time. */
function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}, stallMs = API_SEND_STALL_MS, unsent?: Unsent): void {
  sendText(res, status, JSON.stringify(body), headers, stallMs, unsent);
}

/** `send` with a body serialised already (the shared status). */
function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}, stallMs = API_SEND_STALL_MS, unsent?: Unsent): void {
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...headers,
  });
  res.end(text);
  boundSend(res, stallMs, unsent);
}

export async function startApiServer(opts: {
  host: string;
  port: number;
  token: string;
  /** A client without a token was refused (the CLI after the token file was deleted): the daemon may write it back. */
  onTokenless?: () => void;
  handlers: ApiHandlers;
  redactor?: ApiRedactor;
  sse?: EventStreamOptions;
  sendStallMs?: number;
  maxUnsentBytes?: number;
  /** Times the shared status (shared-status.ts); default the process's monotonic clock. */
  clock?: Pick<Clock, 'monotonic'>;
  statusShareMs?: number;
}): Promise<ApiServer> {
  const { token, handlers } = opts;
  // The boundary: every body that leaves passes the redactor, whatever a handler forgot.
  const scrubText = (text: string): string => (opts.redactor ? opts.redactor.redact(text) : text);
  const scrub = <T>(value: T): T => (opts.redactor ? opts.redactor.redactDeep(value) : value);
  const loopback = isLoopbackHost(opts.host);
  const status = sharedStatus(() => JSON.stringify(scrub(handlers.status())), opts.clock ?? { monotonic: () => performance.now() }, opts.statusShareMs, handlers.statusVersion);
  const sse = new Set<ServerResponse>();
  // The bus hands every subscriber the same event object: its frame is redacted and serialised once, not once per stream
  // (32 streams redacted and stringified each event 32 times).
  const frames = new WeakMap<ClawbackEvent, string>();
  const frameOf = (event: ClawbackEvent): string => {
    let frame = frames.get(event);
    if (frame === undefined) {
      frame = `event: ${event.type}\ndata: ${JSON.stringify(scrub(event))}\n\n`;
      frames.set(event, frame);
    }
    return frame;
  };
  /** The streams in `sse` opened with the token (oldest first in `sse`, a Set keeps insertion order). */
  const authedStreams = new Set<ServerResponse>();
  // /api/status and /healthz stay out of the queue: cheap, and what the CLI and the guardian ask.
  const turn = answerTurns();
  const stallMs = opts.sendStallMs ?? API_SEND_STALL_MS;
  const maxUnsent = opts.maxUnsentBytes ?? API_MAX_UNSENT_BYTES;
  const unsent: Unsent = new Set();
  /** A read answer in its turn, or a 503 while too many bytes wait for clients that do not read. */
  const inTurn = (res: ServerResponse, make: () => void): Promise<void> =>
    turn(() => {
      const held = unsentBytes(unsent);
      if (held > maxUnsent) return send(res, 503, { error: `${Math.round(held / 1048576)} MiB of answers wait for clients that do not read them; try again later` }, { 'retry-after': '5' });
      make();
    });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const bearer = bearerOf(req);
    const authed = tokenMatches(bearer, token);
    if (!hostAllowed(req, loopback)) return send(res, 421, { error: 'unexpected Host header' });
    // On loopback a read with a wrong token is answered as one without: say it was refused, or a client holding an old
    // token (a dashboard after the token changed) showed "control enabled" and learned otherwise only from a 401 on its
    // next click. No more than a POST's 401 already tells.
    if (bearer !== undefined && !authed) res.setHeader('x-clawback-token', 'refused');
    const method = req.method ?? 'GET';

    if (method === 'POST') {
      // A state change through the API is seen by the next status asked (the CLI polls for it after its request).
      res.once('close', () => status.invalidate());
      if (!originAllowed(req)) return send(res, 403, { error: 'cross-origin request refused' });
      if (!authed) {
        if (bearer === undefined) opts.onTokenless?.();
        return send(res, 401, { error: 'token required (Authorization: Bearer <token from the state directory>)' }, { 'www-authenticate': 'Bearer' });
      }
      const m = /^\/api\/services\/([^/]+)\/([a-z]+)$/.exec(url.pathname);
      // A service's own action goes straight to it: through the other commands' handler, it waited for the whole
      // start-up (another service's preflight validator, ~30 s) before its service was even asked.
      const own = m !== null && SERVICE_ACTIONS.includes(m[2] as ServiceAction);
      const routed = own ? undefined : await handlers.command?.(url.pathname, url.searchParams);
      if (routed) return send(res, routed.status, scrub(routed.body));
      if (!m && handlers.post) {
        const r = await handlers.post(url.pathname, url.searchParams);
        if (r) return send(res, r.status, scrub(r.body));
      }
      if (!m) return send(res, 404, { error: 'not found' });
      const action = m[2] as ServiceAction;
      if (!SERVICE_ACTIONS.includes(action)) return send(res, 404, { error: `unknown action ${m[2]}` });
      const r = await handlers.action(decodeURIComponent(m[1]!), action, url.searchParams);
      return send(res, r.status, scrub({ ok: r.ok, message: r.message, ...(r.runId ? { runId: r.runId } : {}), ...(r.reset ? { reset: r.reset } : {}) }));
    }
    if (method !== 'GET' && method !== 'HEAD') return send(res, 405, { error: 'method not allowed' }, { allow: 'GET, POST' });
    // The dashboard's static files hold no state, and a browser cannot send a token when it opens a URL: they load
    // without one off loopback too (the page then sends the token from its URL fragment with every API call).
    const page = handlers.dashboard?.(url.pathname);
    if (page) {
      res.writeHead(200, {
        'content-type': page.type,
        'cache-control': 'no-cache',
        'content-security-policy': PAGE_CSP,
      });
      res.end(page.body);
      return;
    }
    if (!loopback && !authed) {
      if (bearer === undefined) opts.onTokenless?.();
      return send(res, 401, { error: 'token required off loopback' }, { 'www-authenticate': 'Bearer' });
    }

    if (url.pathname === '/api/status') return sendText(res, 200, status.text());
    if (url.pathname === '/healthz') {
      const h = handlers.health?.() ?? { status: 200, body: { ok: true } };
      return send(res, h.status, h.body);
    }
    if (url.pathname === '/metrics' && handlers.metrics) {
      const text = await handlers.metrics();
      return inTurn(res, () => {
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'x-content-type-options': 'nosniff' });
        res.end(opts.redactor ? redactLabelValues(text, (v) => opts.redactor!.redact(v)) : text);
        boundSend(res, stallMs, unsent);
      });
    }
    if (url.pathname === '/api/events') {
      // A HEAD (an uptime checker's look) has no body to stream: it got no answer at all and held one of the stream
      // slots until the client gave up. Answered with the stream's headers and ended.
      if (method === 'HEAD') {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
        res.end();
        return;
      }
      if (sse.size >= SSE_MAX_SUBSCRIBERS) {
        // Reads need no token on loopback, so any local process could hold every stream and shut the owner's dashboard
        // out of live events for good: a client with the token takes the place of the oldest stream opened without one.
        const anonymous = authed ? [...sse].find((s) => !authedStreams.has(s)) : undefined;
        if (!anonymous) return send(res, 503, { error: `${SSE_MAX_SUBSCRIBERS} live event streams are open already; try again later` }, { 'retry-after': '5', connection: 'close' });
        anonymous.destroy();
        sse.delete(anonymous);
      }
      let off = (): void => undefined;
      const push = openEventStream(req, res, () => {
        off();
        sse.delete(res);
        authedStreams.delete(res);
      }, opts.sse);
      sse.add(res);
      if (authed) authedStreams.add(res);
      off = handlers.subscribe((event) => push(frameOf(event)));
      return;
    }
    if (handlers.extra && url.pathname.startsWith('/api/')) {
      const body = await handlers.extra(url.pathname, url.searchParams);
      if (body instanceof ApiAnswer) return inTurn(res, () => send(res, body.status, scrub(body.body), {}, stallMs, unsent));
      if (body !== undefined) return inTurn(res, () => send(res, 200, scrub(body), {}, stallMs, unsent));
    }
    return send(res, 404, { error: 'not found' });
  };

  const admit = pipelineCap(API_MAX_PIPELINED);
  const server = http.createServer({ headersTimeout: API_HEADERS_TIMEOUT_MS, requestTimeout: 3 * API_HEADERS_TIMEOUT_MS, connectionsCheckingInterval: 2_000 }, (req, res) => {
    if (!admit(req, res)) return;
    setSecurityHeaders(res);
    // No route reads a body (commands are in the path and query): one sent anyway was read and thrown away until the
    // 30 s request timeout (any local process could keep the daemon reading). Past its answer, the rest of a body is
    // read for a moment only (closing at once would reset the connection and lose the answer on the client's side).
    res.once('finish', () => {
      if (req.complete) return;
      const linger = setTimeout(() => req.socket.destroy(), API_BODY_LINGER_MS);
      linger.unref();
      req.socket.once('close', () => clearTimeout(linger));
    });
    handle(req, res).catch((err: unknown) => {
      // A route decoding a name or id from the path (decodeURIComponent) met a broken %-escape: the client's fault.
      if (err instanceof URIError && !res.headersSent) return send(res, 400, { error: `malformed %-escape in the request path ${JSON.stringify(scrubText(req.url ?? ''))}: expected UTF-8 percent-encoding (encodeURIComponent)` });
      if (!res.headersSent) send(res, 500, { error: scrubText((err as Error).message) });
      else res.end();
    });
  });
  server.keepAliveTimeout = 5_000;
  capConnections(server, API_MAX_CONNECTIONS);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    host: opts.host,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of sse) res.end();
        sse.clear();
        authedStreams.clear();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
