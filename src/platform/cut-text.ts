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
