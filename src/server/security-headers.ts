// The browser-hardening headers every API answer carries (pages, JSON, errors, 404s, streams), set in one place.
import type { ServerResponse } from 'node:http';

/** The dashboard's own pages: its scripts, styles and images from itself only; never framed, no <base>, forms to itself. */
export const PAGE_CSP = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/**
 * Everything else (JSON, /metrics text, errors) is data, never a document: nothing in it may load or run, nor be framed.
 * Only the pages had a CSP and X-Frame-Options, and no answer a Referrer-Policy: a JSON error or a 404 opened in a tab
 * could be framed by any site, and a link followed from any of them would have told the next site the daemon's URL.
 */
const HEADERS: ReadonlyArray<readonly [string, string]> = [
  ['x-content-type-options', 'nosniff'],
  ['x-frame-options', 'DENY'],
  ['referrer-policy', 'no-referrer'],
  ['content-security-policy', "default-src 'none'; frame-ancestors 'none'"],
];

/** Set before any route answers (a page replaces the CSP with PAGE_CSP): no header map built per request. */
export function setSecurityHeaders(res: ServerResponse): void {
  for (const [name, value] of HEADERS) res.setHeader(name, value);
}
