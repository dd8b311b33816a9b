// One HTTP request (a fresh connection, or the probe's own kept-alive one), aborted by the signal, classified.
import http from 'node:http';
import https from 'node:https';
import type { Clock } from '../platform/clock.js';
import { abortedByTimeout, type ProbeResult, type ProbeTarget } from './probe-types.js';
import { connectionErrorResult, isIpLiteral, timeoutResult } from './network-outcome.js';

export interface HttpRequestSpec {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  insecure?: boolean;
  /** The body is read up to this many bytes (default 64 KiB). */
  maxBodyBytes?: number;
  /**
   * A keep-alive agent owned by the probe: a fresh TCP connection per check costs ~1 ms of daemon CPU,
   * which adds up with many services. Without it, every check opens and closes its own connection.
   */
  agent?: http.Agent;
}

export type HttpExchange =
  | { kind: 'answer'; status: number; body: string; truncated: boolean; latencyMs: number }
  | { kind: 'no-answer'; result: ProbeResult };

const DEFAULT_MAX_BODY = 64 * 1024;

export function httpExchange(spec: HttpRequestSpec, target: ProbeTarget, signal: AbortSignal, clock: Clock): Promise<HttpExchange> {
  const what = `${spec.method} ${spec.url}`;
  const started = clock.monotonic();
  const elapsed = (): number => clock.monotonic() - started;
  const maxBody = spec.maxBodyBytes ?? DEFAULT_MAX_BODY;

  return new Promise<HttpExchange>((resolve) => {
    let url: URL;
    try {
      url = new URL(spec.url);
    } catch (err) {
      resolve({ kind: 'no-answer', result: { status: 'unknown', message: `${what}: invalid URL: ${(err as Error).message}` } });
      return;
    }
    let phase: 'lookup' | 'connect' | 'response' = isIpLiteral(url.hostname) ? 'connect' : 'lookup';
    let settled = false;
    const finish = (outcome: HttpExchange, reusable = false): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      // A fully read answer leaves a kept-alive socket to its agent; anything else is torn down.
      if (!reusable) req.destroy();
      resolve(outcome);
    };
    const onAbort = (): void => {
      if (abortedByTimeout(signal)) finish({ kind: 'no-answer', result: timeoutResult(what, target, phase, elapsed()) });
      else finish({ kind: 'no-answer', result: { status: 'unknown', message: `${what}: check cancelled`, latencyMs: elapsed() } });
    };

    const transport = url.protocol === 'https:' ? https : http;
    const agent = url.protocol === 'http:' ? spec.agent : undefined;
    const headers: Record<string, string> = { ...(agent ? {} : { connection: 'close' }), 'user-agent': 'clawback-probe', ...spec.headers };
    if (spec.body !== undefined) headers['content-length'] = String(Buffer.byteLength(spec.body));
    const req = transport.request(url, {
      method: spec.method,
      headers,
      agent: agent ?? false,
      ...(url.protocol === 'https:' && spec.insecure ? { rejectUnauthorized: false } : {}),
    });
    req.on('socket', (socket) => {
      // A reused keep-alive socket is already connected: we are waiting for the answer. Listeners go
      // only on a new socket (a kept one would collect one pair per check otherwise).
      if (!socket.connecting) {
        phase = 'response';
        return;
      }
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
      const chunks: Buffer[] = [];
      let size = 0;
      const answer = (truncated: boolean, complete = false): void =>
        finish(
          {
            kind: 'answer',
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            truncated,
            latencyMs: elapsed(),
          },
          complete && agent !== undefined,
        );
      res.on('data', (chunk: Buffer) => {
        if (settled) return;
        const room = maxBody - size;
        chunks.push(room < chunk.length ? chunk.subarray(0, room) : chunk);
        size += Math.min(room, chunk.length);
        if (size >= maxBody) answer(true);
      });
      res.on('end', () => answer(false, true));
      res.on('error', (err) => finish({ kind: 'no-answer', result: connectionErrorResult(what, err, elapsed()) }));
      res.on('close', () => {
        // The server hung up mid-body: what arrived is still an answer (its status was sent).
        if (!settled) answer(true);
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
