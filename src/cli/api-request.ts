// One CLI call to the daemon's local API, written on a plain net.Socket: loading node:http cost `clawback status` ~10 ms
// of its start-up (issue 19, status vs `pm2 jlist`); the response is read by the probes' HTTP/1.1 parser.
import net from 'node:net';
import { Http1ResponseParser } from '../probes/http1-response-parser.js';
import { prepareHttpRequest } from '../probes/http-socket-exchange.js';
import { urlHost } from '../platform/url-host.js';

export interface ApiCall {
  host: string;
  port: number;
  method: string;
  path: string;
  headers: Record<string, string>;
  /** No byte from the daemon for this long: the call fails with "no answer within N ms". */
  timeoutMs: number;
  /** Aborted: the call fails at once with the signal's reason (the caller saw the daemon's heartbeat stop). */
  signal?: AbortSignal;
}

export interface ApiAnswer {
  status: number;
  text: string;
}

/** The largest answer read (a status of thousands of services is a few MB). */
const MAX_ANSWER_BYTES = 256 * 1024 * 1024;

/**
 * The request bytes, built by the probes' request builder (headers checked, no CR/LF, the path encoded as a URL),
 * with `Connection: close`.
 */
export function apiRequestBytes(call: Pick<ApiCall, 'host' | 'port' | 'method' | 'path' | 'headers'>): Buffer {
  const url = new URL(call.path, `http://${urlHost(call.host)}:${call.port}`);
  return prepareHttpRequest(url, { method: call.method, headers: { 'User-Agent': 'clawback-cli', ...call.headers }, maxBodyBytes: MAX_ANSWER_BYTES }).closeBytes;
}

/** Sends one request with `Connection: close` and resolves with the status and body; rejects with the socket's error. */
export function apiRequest(call: ApiCall): Promise<ApiAnswer> {
  const bytes = apiRequestBytes(call);
  return new Promise<ApiAnswer>((resolve, reject) => {
    const parser = new Http1ResponseParser(MAX_ANSWER_BYTES, false);
    const socket = net.connect({ host: call.host, port: call.port, noDelay: true });
    let settled = false;
    const settle = (err: Error | null): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      if (err) reject(err);
      else if (parser.truncated) reject(new Error('the answer was cut short (the connection closed inside the body)'));
      else resolve({ status: parser.status, text: parser.body() });
    };
    socket.setTimeout(call.timeoutMs, () => settle(new Error(`no answer within ${call.timeoutMs} ms`)));
    socket.on('data', (chunk: Buffer) => {
      const p = parser.push(chunk);
      if (p === 'done') settle(null);
      else if (p === 'malformed') settle(new Error(parser.error ?? 'malformed answer'));
    });
    const onEnd = (): void => {
      if (settled) return;
      const p = parser.end();
      settle(p === 'done' ? null : new Error(parser.error ?? 'malformed answer'));
    };
    socket.on('end', onEnd).on('close', onEnd);
    socket.on('error', (err) => settle(err));
    const onAbort = (): void => settle(call.signal!.reason instanceof Error ? call.signal!.reason : new Error(String(call.signal!.reason)));
    if (call.signal?.aborted) return onAbort();
    call.signal?.addEventListener('abort', onAbort, { once: true });
    socket.on('close', () => call.signal?.removeEventListener('abort', onAbort));
    socket.write(bytes);
  });
}
