// Who may call the local API: a token for every state change, and for everything off loopback.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIPv6 } from 'node:net';

/**
 * Whether `host` names this machine's loopback only. The common spellings are compared as they are (per request, the Host
 * header); any other IPv6 literal goes through the URL parser's canonical form: api.host `::ffff:127.0.0.1` (IPv4-mapped,
 * listening on 127.0.0.1 only) or `0:0:0:0:0:0:0:1` was taken for an exposed bind: the token was asked on every read and
 * the start printed a warning that other machines could reach the API.
 */
export function isLoopbackHost(host: string): boolean {
  if (host === '127.0.0.1' || host === '::1' || host === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(host)) return true;
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (bare === 'localhost' || bare === 'localhost.') return true;
  if (!isIPv6(bare)) return false;
  let canonical: string;
  try {
    canonical = new URL(`http://[${bare}]/`).hostname;
  } catch {
    return false;
  }
  // [::1], or an IPv4-mapped 127.0.0.0/8 address (the parser writes ::ffff:127.0.0.1 as ::ffff:7f00:1).
  return canonical === '[::1]' || /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(canonical);
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
export function hostAllowed(req: IncomingMessage, boundLoopback: boolean): boolean {
  const host = req.headers.host;
  if (!host) return false;
  if (!boundLoopback) return true;
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
