// One list of the bidi controls that make text read otherwise than it is ("Trojan Source"), for every place that shows
// what a service wrote to a person (the CLI's terminal, chat alerts); the dashboard's browser script keeps its own copy.

/** Embeddings, overrides and isolates (U+202A-E, U+2066-9), as the body of a regex character class. */
export const BIDI_CONTROL_CLASS = '\\u202a-\\u202e\\u2066-\\u2069';

/** A character shown as its escape: `\xNN` below U+0100, `\uNNNN` above. */
export function shownEscape(c: string): string {
  const n = c.charCodeAt(0);
  return n < 0x100 ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
}
