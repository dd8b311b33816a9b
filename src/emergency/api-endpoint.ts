// Where an HTTP model lives and how to reach it: base URL rules, the API key from the env, one bounded POST.
import type { Redactor } from '../observe/redact.js';
import { baseUrlProblem, isLoopbackHostname } from './emergency-schema.js';
import { readBodyUpTo } from '../platform/bounded-body.js';
import type { Clock } from '../platform/clock.js';
import { describeError } from '../notify/http-send.js';

export interface Endpoint {
  baseUrl: string;
  apiKey?: string;
}

/** Resolves the base URL and key; throws with a reason a human can act on. */
export function resolveEndpoint(
  baseUrl: string,
  apiKeyEnv: string,
  env: Record<string, string | undefined>,
  redactor: Redactor,
): Endpoint {
  const problem = baseUrlProblem(baseUrl);
  if (problem) throw new Error(`baseUrl ${baseUrl}: ${problem}`);
  const apiKey = env[apiKeyEnv];
  if (apiKey) redactor.addSecret(apiKey);
  if (!apiKey && !isLoopbackHostname(new URL(baseUrl).hostname)) {
    throw new Error(`environment variable ${apiKeyEnv} is not set (needed for ${new URL(baseUrl).host})`);
  }
  return { baseUrl: baseUrl.replace(/\/+$/, ''), apiKey: apiKey || undefined };
}

/** Bytes of a model's answer read at most. */
const MAX_RESPONSE_CHARS = 4_000_000;

/** Answers that say "busy, ask again" (rate limit, overload, a gateway in between restarting): retried, not fatal. */
const RETRY_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504, 529]);
/** Tries of one request at most: a model that stays busy ends the run well inside its time-box. */
export const MAX_MODEL_ATTEMPTS = 4;
const MAX_RETRY_DELAY_MS = 30_000;

/** How long to wait before try `attempt + 1`: the endpoint's Retry-After (seconds), else 1 s, 2 s, 4 s; at most 30 s. */
export function retryDelayMs(attempt: number, retryAfter: string | null): number {
  const secs = retryAfter !== null && /^\s*\d+(\.\d+)?\s*$/.test(retryAfter) ? Number(retryAfter) : undefined;
  return Math.min(MAX_RETRY_DELAY_MS, secs !== undefined ? Math.ceil(secs * 1000) : 1000 * 2 ** (attempt - 1));
}

export interface RetryOptions {
  clock: Clock;
  /** Told before each wait (for the transcript): the status answered, or how the connection broke before any answer. */
  onRetry?(status: number | string, delayMs: number, attempt: number): void;
}

/**
 * A connection that broke before any answer came (a kept-alive socket the endpoint closed as the request went out: its
 * idle timeout, 5 s on a Node server, raced a turn that took that long): nothing was answered, so the request is sent
 * again, as a 5xx is. The run's one Level 3 attempt ended on it ("could not be reached: ECONNRESET") and paged a person.
 */
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

/** The code of a connection broken before the answer (RESET_CODES), from fetch's error or its cause; else undefined. */
export function connectionResetCode(e: unknown): string | undefined {
  for (let x: unknown = e, depth = 0; x && typeof x === 'object' && depth < 4; x = (x as { cause?: unknown }).cause, depth++) {
    const code = (x as { code?: unknown }).code;
    if (typeof code === 'string' && RESET_CODES.has(code)) return code;
  }
  return undefined;
}

/** The retry of a run's model requests: on its clock, each wait noted in its transcript. */
export function retryFor(session: { clock: Clock }, note: (line: string) => void): RetryOptions {
  return { clock: session.clock, onRetry: (status, delayMs, attempt) => note(`model endpoint ${typeof status === 'number' ? `answered ${status}` : status}: try ${attempt + 1} of ${MAX_MODEL_ATTEMPTS} in ${delayMs} ms`) };
}

/**
 * POSTs JSON and returns the parsed JSON answer; non-2xx answers throw with a redacted snippet. With `retry`, a busy
 * answer (429, 5xx) is tried again after a wait, MAX_MODEL_ATTEMPTS tries at most, the wait cut short by the signal:
 * one rate-limited request used to end the run (the incident's one Level 3 run) and page a person at Level 4.
 */
export async function postJson(url: string, headers: Record<string, string>, body: unknown, signal: AbortSignal, redactor: Redactor, retry?: RetryOptions): Promise<unknown> {
  const payload = JSON.stringify(body);
  for (let attempt = 1; ; attempt++) {
    let res: Response | undefined;
    let answer: Awaited<ReturnType<typeof readBodyUpTo>>;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
        body: payload,
        signal,
        redirect: 'error',
      });
      answer = await readBodyUpTo(res, MAX_RESPONSE_CHARS);
    } catch (e) {
      if (signal.aborted) throw e;
      const reset = res === undefined ? connectionResetCode(e) : undefined;
      if (reset && retry && attempt < MAX_MODEL_ATTEMPTS) {
        const delay = retryDelayMs(attempt, null);
        retry.onRetry?.(`no answer: the connection was reset (${reset})`, delay, attempt);
        await retry.clock.sleep(delay, signal);
        continue;
      }
      // fetch says only "fetch failed" or "terminated": the run's end and the Level 4 alert name the endpoint and the cause.
      const what = res === undefined ? 'could not be reached' : `broke off its answer (status ${res.status})`;
      throw new Error(`model endpoint ${url} ${what}: ${describeError(e)}`);
    }
    if (answer.truncated) throw new Error(`model answer too large (${answer.text === '' ? `${answer.bytes} bytes declared` : 'more sent'}, at most ${MAX_RESPONSE_CHARS} bytes)`);
    const text = answer.text;
    if (!res.ok && retry && RETRY_STATUSES.has(res.status) && attempt < MAX_MODEL_ATTEMPTS) {
      const delay = retryDelayMs(attempt, res.headers.get('retry-after'));
      retry.onRetry?.(res.status, delay, attempt);
      await retry.clock.sleep(delay, signal);
      continue;
    }
    const tries = attempt > 1 ? ` (after ${attempt} tries)` : '';
    if (!res.ok) throw new Error(`model endpoint answered ${res.status}${tries}: ${redactor.redact(text.slice(0, 300))}`);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new Error(`model endpoint answered non-JSON: ${redactor.redact(text.slice(0, 200))}`);
    }
  }
}
