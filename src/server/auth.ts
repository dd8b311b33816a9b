// Who may call the local API: a token for every state change, and for everything off loopback.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export function isLoopbackHost(host: string): boolean {
  return host === '127.0.0.1' || host === '::1' || host === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export function tokenMatches(given: string | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function bearerOf(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  const m = h ? /^Bearer\s+(\S+)$/i.exec(h) : null;
  return m?.[1];
}

/**
 * Refuses requests whose Host header is not the address we bound (DNS rebinding) and
 * cross-site browser posts (Origin of another site). The token travels in a header only,
 * never a cookie, so a foreign page cannot ride on a logged-in browser (CSRF).
 */
export function hostAllowed(req: IncomingMessage, boundHost: string, port: number): boolean {
  const host = req.headers.host;
  if (!host) return false;
  if (!isLoopbackHost(boundHost)) return true;
  const name = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.split(':')[0]!;
  const p = host.startsWith('[') ? host.slice(host.indexOf(']') + 2) : host.split(':')[1];
  return isLoopbackHost(name) && (p === undefined || Number(p) === port);
}

export function originAllowed(req: IncomingMessage, port: number): boolean {
  const origin = req.headers.origin;
  if (!origin) return true;
  try {
    const u = new URL(origin);
    return isLoopbackHost(u.hostname.replace(/^\[|\]$/g, '')) && Number(u.port) === port;
  } catch {
    return false;
  }
}
