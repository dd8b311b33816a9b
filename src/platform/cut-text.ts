// A length cap on text (log lines, error snippets, chat replies) that never leaves half an emoji behind.

/**
 * `text` cut to at most `max` UTF-16 units, at a code point boundary: a surrogate pair the cut would split is
 * dropped whole (a lone half reads as U+FFFD in the journal and may make a chat API refuse the message).
 */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return '';
  const last = text.charCodeAt(max - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max);
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
