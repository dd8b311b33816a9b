// Whether a daemon whose heartbeat is stale still answers its API: a daemon that cannot write daemon.json (a read-only
// state dir) is alive, and the guardian must not kill it for a file it cannot write.
import http from 'node:http';
import type { DaemonInfo } from './daemon-info.js';

/** The host a local client reaches a bind on: a wildcard bind is reached on loopback (pure). */
export function reachableHost(host: string): string {
  if (host === '' || host === '0.0.0.0') return '127.0.0.1';
  if (host === '::' || host === '[::]') return '::1';
  return host.replace(/^\[(.*)\]$/, '$1');
}

/** True when GET /healthz on the daemon's API answers 200 within `timeoutMs`; false on any error, refusal or silence. */
export function daemonApiAnswers(info: DaemonInfo, timeoutMs = 2000, signal?: AbortSignal): Promise<boolean> {
  if (!(info.api.port > 0)) return Promise.resolve(false);
  return new Promise((resolve) => {
    const req = http.get({ host: reachableHost(info.api.host), port: info.api.port, path: '/healthz', timeout: timeoutMs, ...(signal ? { signal } : {}) }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}
