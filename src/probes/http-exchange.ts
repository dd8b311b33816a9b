// One HTTP request, aborted by the signal, classified: http:// on a bare socket, https:// on the https module.
import { createRequire } from 'node:module';
import type { Clock } from '../platform/clock.js';
import { abortedByTimeout, type ProbeResult, type ProbeTarget } from './probe-types.js';
import { connectionErrorResult, isIpLiteral, timeoutResult } from './network-outcome.js';
import { prepareHttpRequest, socketHttpExchange, type KeptSocket } from './http-socket-exchange.js';

export interface HttpRequestSpec {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  insecure?: boolean;
  /** The body is read up to this many bytes (default 64 KiB). */
  maxBodyBytes?: number;
  /**
   * The probe's kept connection (http:// only): a fresh TCP connection per check costs daemon CPU,
   * which adds up with many services. Without it, every check opens and closes its own connection.
   */
  kept?: KeptSocket;
}

export type HttpExchange =
  /** incomplete: the connection ended before the answer's own framing did (a half answer); truncated also covers over the limit. */
  | { kind: 'answer'; status: number; body: string; truncated: boolean; incomplete: boolean; latencyMs: number }
  | { kind: 'no-answer'; result: ProbeResult };

export const DEFAULT_MAX_BODY = 64 * 1024;

export function httpExchange(spec: HttpRequestSpec, target: ProbeTarget, signal: AbortSignal, clock: Clock): Promise<HttpExchange> {
  const what = `${spec.method} ${spec.url}`;
  const maxBody = spec.maxBodyBytes ?? DEFAULT_MAX_BODY;
  let parsed: URL;
  try {
    parsed = new URL(spec.url);
  } catch (err) {
    return Promise.resolve({ kind: 'no-answer', result: { status: 'unknown', message: `${what}: invalid URL: ${(err as Error).message}` } });
  }
  if (parsed.protocol === 'http:') {
    let prepared;
    try {
      prepared = prepareHttpRequest(parsed, { method: spec.method, headers: spec.headers, body: spec.body, maxBodyBytes: maxBody });
    } catch (err) {
      return Promise.resolve({ kind: 'no-answer', result: { status: 'unknown', message: `${what}: ${(err as Error).message}` } });
    }
    return socketHttpExchange(prepared, target, signal, clock, spec.kept);
  }
  return httpsExchange(spec, parsed, target, signal, clock);
}

// Loaded for the first https:// probe only: https and tls are memory a daemon probing http:// never needs.
const load = createRequire(import.meta.url);

/** https:// (and anything not http://) keeps the https module: TLS is not worth re-implementing. */
function httpsExchange(spec: HttpRequestSpec, url: URL, target: ProbeTarget, signal: AbortSignal, clock: Clock): Promise<HttpExchange> {
  const what = `${spec.method} ${spec.url}`;
  const started = clock.monotonic();
  const elapsed = (): number => clock.monotonic() - started;
  const maxBody = spec.maxBodyBytes ?? DEFAULT_MAX_BODY;

  return new Promise<HttpExchange>((resolve) => {
    if (url.protocol !== 'https:') {
      resolve({ kind: 'no-answer', result: { status: 'unknown', message: `${what}: unsupported protocol ${url.protocol} (http: or https: expected)` } });
      return;
    }
    let phase: 'lookup' | 'connect' | 'response' = isIpLiteral(url.hostname) ? 'connect' : 'lookup';
    let settled = false;
    /** The status of a response whose head arrived (a body that then stalls is told apart from no response). */
    let answered = 0;
    const finish = (outcome: HttpExchange): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      req.destroy();
      resolve(outcome);
    };
    const onAbort = (): void => {
      if (abortedByTimeout(signal)) finish({ kind: 'no-answer', result: timeoutResult(what, target, phase, elapsed(), answered) });
      else finish({ kind: 'no-answer', result: { status: 'unknown', message: `${what}: check cancelled`, latencyMs: elapsed() } });
    };

    const headers: Record<string, string> = { connection: 'close', 'user-agent': 'clawback-probe', ...spec.headers };
    if (spec.body !== undefined) headers['content-length'] = String(Buffer.byteLength(spec.body));
    const req = (load('node:https') as typeof import('node:https')).request(url, {
      method: spec.method,
      headers,
      agent: false,
      ...(spec.insecure ? { rejectUnauthorized: false } : {}),
    });
    req.on('socket', (socket) => {
      const onLookup = (): void => {
        if (phase === 'lookup') phase = 'connect';
      };
      socket.once('lookup', onLookup);
      socket.once('connect', () => {
        socket.off('lookup', onLookup);
        phase = 'response';
      });
    });
    req.on('error', (err) => finish({ kind: 'no-answer', result: connectionErrorResult(what, err, elapsed()) }));
    req.on('response', (res) => {
      phase = 'response';
      answered = res.statusCode ?? 0;
      const chunks: Buffer[] = [];
      let size = 0;
      const answer = (truncated: boolean, incomplete = false): void =>
        finish({
          kind: 'answer',
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString('utf8'),
          truncated,
          incomplete,
          latencyMs: elapsed(),
        });
      res.on('data', (chunk: Buffer) => {
        if (settled) return;
        const room = maxBody - size;
        chunks.push(room < chunk.length ? chunk.subarray(0, room) : chunk);
        size += Math.min(room, chunk.length);
        if (size >= maxBody) answer(true);
      });
      res.on('end', () => answer(false));
      res.on('error', (err) => finish({ kind: 'no-answer', result: connectionErrorResult(what, err, elapsed()) }));
      res.on('close', () => {
        // The server hung up mid-body: what arrived is still an answer (its status was sent).
        if (!settled) answer(true, true);
      });
    });

    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    req.end(spec.body);
  });
}
