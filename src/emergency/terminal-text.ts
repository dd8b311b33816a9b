// A terminal's byte stream as plain text for transcripts and summaries: escape sequences and carriage returns gone.

const OSC = /\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/g;
const CSI = /\x1b\[[0-?]*[ -/]*[@-~]/g;
const OTHER_ESC = /\x1b[()][A-Za-z0-9]|\x1b[@-Z\\-_=>]/g;
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g;

export function stripTerminal(raw: string): string {
  return raw
    .replace(OSC, '')
    .replace(CSI, '')
    .replace(OTHER_ESC, '')
    .replace(/\r+\n/g, '\n')
    .replace(/\r/g, '\n')
    .replace(CONTROL, '');
}

/** The last n non-empty lines, joined: a CLI agent's summary is how its output ended. */
export function lastLines(text: string, n: number, maxChars = 2000): string {
  const lines = text.split('\n').map((l) => l.trimEnd()).filter((l) => l.trim() !== '');
  const out = lines.slice(-n).join('\n');
  return out.length > maxChars ? out.slice(out.length - maxChars) : out;
}
