// A length cap on text (log lines, error snippets, chat replies) that never leaves half an emoji behind.

/**
 * `text` cut to at most `max` UTF-16 units, at a code point boundary: a surrogate pair the cut would split is
 * dropped whole (a lone half reads as U+FFFD in the journal and may make a chat API refuse the message).
 */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return '';
  const last = text.charCodeAt(max - 1);
  return text.slice(0, wholeClusterEnd(text, last >= 0xd800 && last <= 0xdbff ? max - 1 : max));
}

/** What belongs to the character before it: a combining mark (the accent of a decomposed "é"), a variation selector or skin tone, a joiner. */
const JOINS_PREVIOUS = /^[\p{M}\p{Emoji_Modifier}\u200d]/u;

/**
 * A cut at code point boundary `end` moved back to the start of the character the cut goes through: "e" + U+0301 cut
 * after the "e" showed a plain "e" (another letter), a flag or family emoji cut at its joiner showed another emoji.
 */
export function wholeClusterEnd(text: string, end: number): number {
  let e = end;
  while (e > 0 && e < text.length && (JOINS_PREVIOUS.test(text.slice(e, e + 2)) || text.charCodeAt(e - 1) === 0x200d)) {
    const lo = text.charCodeAt(e - 1);
    e -= e >= 2 && lo >= 0xdc00 && lo <= 0xdfff && text.charCodeAt(e - 2) >= 0xd800 && text.charCodeAt(e - 2) <= 0xdbff ? 2 : 1;
  }
  return e;
}

/** What cannot be part of a token, key or URL: where a cut snippet may end without keeping a secret's head. */
const SNIPPET_BREAK = /[\s"'`,;(){}[\]<>]/;

/**
 * A child's output (a validator's, a restart command's stderr) cut to at most `max` units for an error message, which
 * is redacted later, at its sink: a cut inside a token kept its head ('"gwtok-9f8e7d6c'), which no redaction of the
 * whole value recognises. A cut that falls inside a word drops that word's part, and the cut is marked with "…".
 */
export function cutSnippet(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = cutText(text, Math.max(0, max - 1)).length;
  if (!SNIPPET_BREAK.test(text[end] ?? ' ')) while (end > 0 && !SNIPPET_BREAK.test(text[end - 1]!)) end--;
  return `${text.slice(0, end)}…`;
}
