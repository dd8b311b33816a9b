// What a service wrote (its output, a probe command's answer, a log line a probe matched) reaches a person's terminal
// through the CLI: an escape sequence in it must not act there (OSC 52 sets the clipboard, OSC 0 the window title,
// CSI moves the cursor and erases what was printed above).

/** SGR (colour, bold) or one control character other than tab and newline (C0, DEL, C1 such as U+009B, a CSI). */
const UNSAFE = /\x1b\[[0-9;:]*m|[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

/**
 * `text` with every control character shown as a `\xNN` escape (as journalctl does), so it prints but never acts;
 * `\r\n` becomes `\n`. Colours (SGR) are kept when `keepColour` (a service's log, as it meant it), else dropped.
 */
export function terminalSafe(text: string, opts: { keepColour?: boolean } = {}): string {
  return text.replace(/\r\n/g, '\n').replace(UNSAFE, (m) => {
    if (m.length > 1) return opts.keepColour ? m : '';
    return `\\x${m.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
}
