// Whether a daemon whose heartbeat is stale still answers its API and still supervises: a daemon that cannot write
// daemon.json (a read-only state dir) is alive, and the guardian must not kill it for a file it cannot write; one whose
// /healthz says 503 (its supervision loop stuck) supervises nothing, and is handled as hung.
import http from 'node:http';
import type { DaemonInfo } from './daemon-info.js';

/** The host a local client reaches a bind on: a wildcard bind is reached on loopback (pure). */
export function reachableHost(host: string): string {
  if (host === '' || host === '0.0.0.0') return '127.0.0.1';
  if (host === '::' || host === '[::]') return '::1';
  return host.replace(/^\[(.*)\]$/, '$1');
}

/** What GET /healthz said: 200 (`ok`), an answer other than 200 (`unhealthy`, with the daemon's reason), or nothing. */
export type ApiHealth = { state: 'ok' } | { state: 'unhealthy'; reason: string } | { state: 'silent' };

const MAX_BODY = 4096;

/** Pure: the reason an unhealthy /healthz answer gives (its `error` field), else its status code. */
export function unhealthyReason(statusCode: number | undefined, body: string): string {
  try {
    const error = (JSON.parse(body) as { error?: unknown }).error;
    if (typeof error === 'string' && error !== '') return `HTTP ${statusCode}: ${error.slice(0, 500)}`;
  } catch {
    // not JSON: the status code says it
  }
  return `HTTP ${statusCode ?? '?'}`;
}

/** GET /healthz on the daemon's API within `timeoutMs`; any error, refusal or silence is `silent`. */
export function daemonApiHealth(info: DaemonInfo, timeoutMs = 2000, signal?: AbortSignal): Promise<ApiHealth> {
  if (!(info.api.port > 0)) return Promise.resolve({ state: 'silent' });
  return new Promise((resolve) => {
    const req = http.get({ host: reachableHost(info.api.host), port: info.api.port, path: '/healthz', timeout: timeoutMs, ...(signal ? { signal } : {}) }, (res) => {
      if (res.statusCode === 200) {
        res.resume();
        resolve({ state: 'ok' });
        return;
      }
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        if (body.length < MAX_BODY) body += d;
      });
      res.on('end', () => resolve({ state: 'unhealthy', reason: unhealthyReason(res.statusCode, body) }));
      res.on('error', () => resolve({ state: 'unhealthy', reason: unhealthyReason(res.statusCode, body) }));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve({ state: 'silent' }));
  });
}
