// The one edge where an alert leaves the process: fetch with a clock-driven timeout and a stop signal.
import type { Clock } from '../platform/clock.js';
import type { HttpRequest } from './channel.js';
import { redirectTarget, type HttpAnswer } from './delivery-outcome.js';
import { readBodyUpTo } from '../platform/bounded-body.js';
import { UnsendableRequestError } from './header-values.js';

const MAX_BODY_CHARS = 64 * 1024;

export class RequestTimeoutError extends Error {
  constructor(ms: number) {
    super(`request timed out after ${ms} ms`);
    this.name = 'RequestTimeoutError';
  }
}

/** Describes a failure (fetch, fs) as one line: the message and the cause's code; callers still redact it. */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as Error & { cause?: unknown }).cause;
  let text = err.message;
  if (cause instanceof Error) {
    const code = (cause as Error & { code?: unknown }).code;
    // An https URL on a plain-http port: OpenSSL's answer is a multi-line dump of its internals, and says nothing useful.
    if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'ERR_SSL_PACKET_LENGTH_TOO_LONG') {
      return `${text}: ${code} the endpoint does not answer in TLS: the URL says https, the server speaks something else (plain http?)`;
    }
    // OpenSSL's messages end in a newline: one line in the CLI, the log and `status`.
    text += `: ${typeof code === 'string' ? `${code} ` : ''}${cause.message.split('\n')[0]!.trim()}`;
  } else if (cause !== undefined) {
    text += `: ${String(cause)}`;
  }
  return text;
}

/** Failures before any byte of the request could reach the endpoint (refused, no such host): it cannot have the alert. */
const NEVER_SENT_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * True when a failed send certainly delivered nothing (no connection was made, or fetch refused the request); false for a
 * timeout, a reset or a stop: the endpoint may have received and acted on it.
 */
export function neverSent(err: unknown): boolean {
  if (err instanceof UnsendableRequestError) return true;
  const cause = err instanceof Error ? (err as Error & { cause?: unknown }).cause : undefined;
  const code = cause instanceof Error ? (cause as Error & { code?: unknown }).code : undefined;
  return typeof code === 'string' && NEVER_SENT_CODES.has(code);
}

/**
 * The request fetch can send: a URL's user info (`https://user:pass@host/hook`, accepted by the config) moved into an
 * `Authorization: Basic` header, as curl does, unless the request sets its own. fetch refuses such a URL outright
 * ("Request cannot be constructed from a URL that includes credentials"): every alert was retried for ever, none sent.
 */
export function withoutUserInfo(req: HttpRequest): HttpRequest {
  let u: URL;
  try {
    u = new URL(req.url);
  } catch {
    return req;
  }
  if (u.username === '' && u.password === '') return req;
  const info = userInfoOf(u);
  const basic = Buffer.from(`${info.username}:${info.password}`, 'utf8').toString('base64');
  u.username = '';
  u.password = '';
  return { ...req, url: u.href, headers: headersOver({ authorization: `Basic ${basic}` }, req.headers) };
}

/**
 * Default headers with a channel's own over them, whatever their case: `Content-Type` beside our `content-type` was
 * sent as both ("application/json, text/plain"), and a header of its own wins over the URL's user info.
 */
export function headersOver(defaults: Record<string, string>, own: Record<string, string>): Record<string, string> {
  const ownNames = new Set(Object.keys(own).map((k) => k.toLowerCase()));
  return { ...Object.fromEntries(Object.entries(defaults).filter(([k]) => !ownNames.has(k))), ...own };
}

/** A URL's user name and password, percent-decoded as curl does (one that is not valid %-encoding kept as written). */
export function userInfoOf(u: URL): { username: string; password: string } {
  const decode = (s: string): string => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  return { username: decode(u.username), password: decode(u.password) };
}

/** Sends one request; resolves with the answer, rejects on network failure, timeout or stop. */
export async function sendHttp(request: HttpRequest, opts: { clock: Clock; timeoutMs: number; signal?: AbortSignal }): Promise<HttpAnswer> {
  const req = withoutUserInfo(request);
  const ctrl = new AbortController();
  const timer = opts.clock.setTimeout(() => ctrl.abort(new RequestTimeoutError(opts.timeoutMs)), opts.timeoutMs);
  const onStop = (): void => ctrl.abort(opts.signal?.reason ?? new Error('stopped'));
  if (opts.signal?.aborted) onStop();
  else opts.signal?.addEventListener('abort', onStop, { once: true });
  try {
    const res = await fetch(req.url, {
      method: req.method,
      headers: req.headers,
      body: req.body,
      redirect: 'manual',
      signal: ctrl.signal,
    });
    let body = '';
    try {
      // Read up to the bound, never whole: the status is what matters.
      body = (await readBodyUpTo(res, MAX_BODY_CHARS)).text;
    } catch {
      // The status is what matters; an unreadable body is not a failure of delivery.
    }
    const location = res.status >= 300 && res.status < 400 ? redirectTarget(res.headers.get('location'), req.url) : undefined;
    return {
      status: res.status,
      ...(location !== undefined ? { location } : {}),
      retryAfterHeader: res.headers.get('retry-after'),
      rateLimitRemaining: res.headers.get('x-ratelimit-remaining'),
      rateLimitResetAfter: res.headers.get('x-ratelimit-reset-after'),
      dateHeader: res.headers.get('date'),
      body,
    };
  } catch (err) {
    if (ctrl.signal.aborted && ctrl.signal.reason instanceof Error) throw ctrl.signal.reason;
    const cause = err instanceof Error ? (err as Error & { cause?: unknown }).cause : undefined;
    if (cause instanceof Error && cause.message === 'bad port') {
      const port = new URL(req.url).port;
      throw new UnsendableRequestError(`fetch never connects to port ${port} (on the Fetch standard's list of blocked ports, e.g. 6000, 6667, 10080): move the endpoint to another port`);
    }
    throw err;
  } finally {
    timer.cancel();
    opts.signal?.removeEventListener('abort', onStop);
  }
}
