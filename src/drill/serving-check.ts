// One look at the service from outside, as a user would see it: HTTP 2xx from its health URL, or its port accepting.
import http from 'node:http';
import net from 'node:net';
import type { ServingCheck } from './target.js';
import type { DaemonLink } from './daemon-link.js';

/** GET url on loopback without keep-alive; resolves with the status, or 0 on any error or timeout. */
export function httpStatusOf(url: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (status: number): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(status);
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
  });
}

export function tcpAccepts(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(false);
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}

/** True when the service serves right now. */
export async function isServing(check: ServingCheck, link: DaemonLink, service: string, timeoutMs = 500): Promise<boolean> {
  switch (check.kind) {
    case 'http': {
      const s = await httpStatusOf(check.url, timeoutMs);
      return s >= 200 && s < 300;
    }
    case 'tcp':
      return tcpAccepts(check.host, check.port, timeoutMs);
    case 'status':
      return (await link.service(service))?.health === 'healthy';
  }
}
