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
