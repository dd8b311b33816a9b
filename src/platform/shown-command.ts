// A process's command line as it may appear inside a one-line message (an error, a finding): no line breaks, no controls.
import { cutText } from './cut-text.js';
import { BIDI_CONTROL_CLASS, shownEscape } from './bidi.js';

const CONTROLS = new RegExp(`[\\x00-\\x1f\\x7f-\\x9f${BIDI_CONTROL_CLASS}]`, 'g');

/** Far above a real command's useful head; a `python3 -c` script of pages is cut here, marked with "…". */
export const SHOWN_COMMAND_CHARS = 160;

/**
 * `line` on one line: every control character (newline, tab, ESC, a bidi override) shown as its escape (`\x0a`), then
 * cut to at most `max` characters.
 */
export function shownCommandLine(line: string, max = SHOWN_COMMAND_CHARS): string {
  const one = line.replace(CONTROLS, (c) => shownEscape(c));
  return one.length <= max ? one : `${cutText(one, max - 1)}…`;
}
