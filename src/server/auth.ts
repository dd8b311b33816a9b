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

/**
 * The token after `Bearer `, inner spaces included: a token chosen by hand as a passphrase ("correct horse battery
 * staple ...", kept by the daemon as written) was cut at its first space and refused on every request, CLI and dashboard.
 */
export function bearerOf(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  const m = h ? /^Bearer[ \t]+(\S(?:.*\S)?)[ \t]*$/i.exec(h) : null;
  return m?.[1];
}

/**
 * Refuses requests whose Host header is not a loopback name when we bound loopback (DNS rebinding: the attacker's
 * page carries its own name) and cross-site browser posts (an Origin other than the page the request went to). The
 * token travels in a header only, never a cookie, so a foreign page cannot ride on a logged-in browser (CSRF).
 * Neither compares the port we bound: behind `ssh -L 8080:127.0.0.1:18790` or `docker -p 127.0.0.1:28790:18790` the
 * browser's own requests carry the forwarded port, and were all refused (421, or 403 for every dashboard button).
 */
export function hostAllowed(req: IncomingMessage, boundHost: string): boolean {
  const host = req.headers.host;
  if (!host) return false;
  if (!isLoopbackHost(boundHost)) return true;
  const name = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.split(':')[0]!;
  return isLoopbackHost(name);
}

/**
 * A browser's POST must come from a page of the very origin it is sent to (its Host header, which hostAllowed keeps a
 * loopback name on a loopback bind). Off loopback (api.host 0.0.0.0 or a LAN address) the page is at that address:
 * requiring a loopback origin there refused every button (403) of the dashboard the daemon printed a link to.
 */
export function originAllowed(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (!origin) return true;
  try {
    return new URL(origin).host === new URL(`http://${req.headers.host ?? ''}`).host;
  } catch {
    return false;
  }
}
