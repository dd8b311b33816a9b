// A terminal's byte stream as plain text for transcripts and summaries: escape sequences and carriage returns gone.

import { withoutEscapes } from '../platform/terminal-escapes.js';

export function stripTerminal(raw: string): string {
  return withoutEscapes(raw).replace(/\r+\n/g, '\n').replace(/\r/g, '\n');
}

/** The last n non-empty lines, joined: a CLI agent's summary is how its output ended. */
export function lastLines(text: string, n: number, maxChars = 2000): string {
  const lines = text.split('\n').map((l) => l.trimEnd()).filter((l) => l.trim() !== '');
  const out = lines.slice(-n).join('\n');
  return out.length > maxChars ? out.slice(out.length - maxChars) : out;
}

/** Lines and characters before the last ones kept around them when redacting: far longer than any secret, PEM blocks included. */
const REDACT_MARGIN_LINES = 200;
const REDACT_WINDOW_CHARS = 64 * 1024;

/**
 * lastLines of the redacted text, redacting only a window around the end: a 2 MB transcript redacted whole to keep 15
 * lines and 2000 characters stalled the daemon for seconds. The window's lines are trimmed as lastLines trims them, so
 * what is kept lies within its last maxChars characters, far past where the window may cut through a secret.
 */
export function redactedLastLines(text: string, n: number, redact: (t: string) => string, maxChars = 2000): string {
  const lines = text.split('\n').map((l) => l.trimEnd()).filter((l) => l.trim() !== '');
  const window = lines.slice(-(n + REDACT_MARGIN_LINES)).join('\n');
  return lastLines(redact(window.length > REDACT_WINDOW_CHARS ? window.slice(-REDACT_WINDOW_CHARS) : window), n, maxChars);
}
