// Chat APIs reject oversized text; we shorten it instead, never splitting a character or an escape.
import { cutText, wholeClusterEnd } from '../platform/cut-text.js';

export const TRUNCATION_MARKER = '… [truncated]';

/** Code points of a string (a surrogate pair stays whole). */
function codePoints(text: string): string[] {
  return Array.from(text);
}

/**
 * How an API counts a text against its limits: UTF-16 units (Telegram, Slack) or code points (Discord, whose API is
 * Python: an emoji is 1 there, 2 here).
 */
export type Measure = (text: string) => number;
export const utf16Units: Measure = (text) => text.length;
export const codePointCount: Measure = (text) => {
  let n = text.length;
  for (let i = 0; i < text.length - 1; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
};

/** The longest head of `text` within `max` as `measure` counts, cut between code points. */
function headWithin(text: string, max: number, measure: Measure): string {
  if (measure === utf16Units) return cutText(text, max);
  let out = '';
  let used = 0;
  for (const cp of codePoints(text)) {
    const w = measure(cp);
    if (used + w > max) break;
    out += cp;
    used += w;
  }
  return out.slice(0, wholeClusterEnd(text, out.length));
}

/**
 * Shortens already-final text to at most `max` UTF-16 units, ending with the marker when cut.
 * Never splits a surrogate pair.
 */
export function truncateText(text: string, max: number, marker: string = TRUNCATION_MARKER, measure: Measure = utf16Units): string {
  if (measure(text) <= max) return text;
  if (max <= 0) return '';
  // Unescaped text: the cut at a code point boundary, with room left for the marker.
  const markerLen = measure(marker);
  return markerLen >= max ? headWithin(marker, max, measure) : headWithin(text, max - markerLen, measure) + marker;
}

/**
 * Shortens text already escaped with HTML-style entities (&amp; &lt; &gt;) to at most `max` UTF-16 units, ending with
 * the marker when cut: never inside an entity (a cut "&am" is an unescaped & the endpoint refuses) nor a surrogate pair.
 */
export function truncateEntities(escaped: string, max: number, marker: string = TRUNCATION_MARKER): string {
  if (escaped.length <= max) return escaped;
  if (max <= 0) return '';
  if (marker.length >= max) return cutText(marker, max);
  let cut = cutText(escaped, max - marker.length);
  const amp = cut.lastIndexOf('&');
  if (amp >= 0 && !cut.includes(';', amp)) cut = cut.slice(0, amp);
  return cut + marker;
}

/**
 * Escapes `raw` with a per-character `escape` and keeps the result within `max` UTF-16 units.
 * The cut happens between raw characters, so an escape sequence or entity is never split.
 * `marker` is raw text and is escaped the same way.
 */
export function truncateEscaped(raw: string, escape: (s: string) => string, max: number, marker: string = TRUNCATION_MARKER, measure: Measure = utf16Units): string {
  const full = escape(raw);
  if (measure(full) <= max) return full;
  const escMarker = escape(marker);
  if (max <= 0) return '';
  const markerLen = measure(escMarker);
  if (markerLen >= max) return headWithin(escMarker, max, measure);
  const budget = max - markerLen;
  let out = '';
  let used = 0;
  let rawEnd = 0;
  for (const cp of codePoints(raw)) {
    const e = escape(cp);
    const w = measure(e);
    if (used + w > budget) break;
    out += e;
    used += w;
    rawEnd += cp.length;
  }
  const whole = wholeClusterEnd(raw, rawEnd);
  if (whole < rawEnd) out = codePoints(raw.slice(0, whole)).map(escape).join('');
  return out + escMarker;
}

/** Keeps text within `maxBytes` of UTF-8, ending with the marker when cut. */
export function truncateUtf8(text: string, maxBytes: number, marker: string = TRUNCATION_MARKER): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  const markerBytes = Buffer.byteLength(marker, 'utf8');
  const budget = Math.max(0, maxBytes - markerBytes);
  let out = '';
  let bytes = 0;
  for (const cp of codePoints(text)) {
    const b = Buffer.byteLength(cp, 'utf8');
    if (bytes + b > budget) break;
    out += cp;
    bytes += b;
  }
  out = out.slice(0, wholeClusterEnd(text, out.length));
  return markerBytes <= maxBytes ? out + marker : out;
}

/**
 * Splits a budget between parts in priority order: each part gets what it needs, but the later
 * parts keep at least `reserve` (or what they need, if less) so one long part cannot starve them.
 */
export function shareBudget(budget: number, needs: number[], reserve: number): number[] {
  const out: number[] = [];
  let left = Math.max(0, budget);
  needs.forEach((need, i) => {
    const laterReserve = needs.slice(i + 1).reduce((sum, n) => sum + Math.min(n, reserve), 0);
    const give = Math.max(0, Math.min(need, left - laterReserve));
    out.push(give);
    left -= give;
  });
  return out;
}
