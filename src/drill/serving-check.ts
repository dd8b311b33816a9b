// One look at the service from outside, as a user would see it: HTTP 2xx from its health URL, or its port accepting.
import http from 'node:http';
import net from 'node:net';
import type { ServingCheck } from './target.js';
import type { DaemonLink } from './daemon-link.js';

/** GET url on loopback without keep-alive; resolves with the status, or 0 on any error, timeout or abort. */
export function httpStatusOf(url: string, timeoutMs: number, signal?: AbortSignal): Promise<number> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (status: number): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(status);
    };
    const onAbort = (): void => {
      req.destroy();
      finish(0);
    };
    const req = http.get(url, { agent: false, headers: { connection: 'close' } }, (res) => {
      res.resume();
      finish(res.statusCode ?? 0);
    });
    const timer = setTimeout(() => {
      req.destroy();
      finish(0);
    }, timeoutMs);
    req.on('error', () => finish(0));
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function tcpAccepts(host: string, port: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const finish = (ok: boolean): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(ok);
    };
    const onAbort = (): void => finish(false);
    const timer = setTimeout(onAbort, timeoutMs);
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * True when the service serves right now. timeoutMs bounds this one look: a caller waiting for the service passes
 * what is left of its own wait, since a slow answer (a loaded machine, a health route that takes 1.2 s) is an answer,
 * not an outage; a fixed 500 ms look judged such a service down though the daemon's probe found it healthy.
 */
export async function isServing(check: ServingCheck, link: DaemonLink, service: string, timeoutMs = 500, signal?: AbortSignal): Promise<boolean> {
  switch (check.kind) {
    case 'http': {
      const s = await httpStatusOf(check.url, timeoutMs, signal);
      return s >= 200 && s < 300;
    }
    case 'tcp':
      return tcpAccepts(check.host, check.port, timeoutMs, signal);
    case 'status':
      return (await link.service(service))?.health === 'healthy';
  }
}
