// What a service wrote (its output, a probe command's answer, a log line a probe matched) reaches a person's terminal
// through the CLI: an escape sequence in it must not act there (OSC 52 sets the clipboard, OSC 0 the window title,
// CSI moves the cursor and erases what was printed above; a bidi override reorders the rest of the line as shown).
import { BIDI_CONTROL_CLASS, shownEscape } from '../platform/bidi.js';

/**
 * SGR (colour, bold) or one control character other than tab and newline (C0, DEL, C1 such as U+009B, a CSI), or a
 * bidi embedding, override or isolate (U+202A-E, U+2066-9: "Trojan Source", the line reads other than it is).
 */
const UNSAFE = new RegExp(`\\x1b\\[[0-9;:]*m|[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f${BIDI_CONTROL_CLASS}]`, 'g');

/**
 * `text` with every control character shown as a `\xNN` escape (as journalctl does), so it prints but never acts;
 * `\r\n` becomes `\n`. Colours (SGR) are kept when `keepColour` (a service's log, as it meant it), else dropped.
 */
export function terminalSafe(text: string, opts: { keepColour?: boolean } = {}): string {
  return text.replace(/\r\n/g, '\n').replace(UNSAFE, (m) => {
    if (m.length > 1) return opts.keepColour ? m : '';
    return shownEscape(m);
  });
}

/** `value` with every string in it made terminalSafe (no colours): an API answer about to be rendered for a person. */
export function terminalSafeDeep<T>(value: T): T {
  if (typeof value === 'string') return terminalSafe(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => terminalSafeDeep(v)) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, terminalSafeDeep(v)])) as T;
  return value;
}
