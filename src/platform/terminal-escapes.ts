// Terminal escape sequences (colours, cursor moves, OSC titles and links) as one place: a service's coloured lines
// quoted in alerts, status and the journal, and a CLI agent's transcript, are shown as plain text.

const OSC = /\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/g;
const CSI = /\x1b\[[0-?]*[ -/]*[@-~]/g;
const OTHER_ESC = /\x1b[()][A-Za-z0-9]|\x1b[@-Z\\-_=>]/g;
/** Control characters other than tab, newline and carriage return (a stray ESC, a bell, a backspace). */
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g;

/** The text without escape sequences and control characters; tabs, newlines and carriage returns are kept. */
export function withoutEscapes(text: string): string {
  return text.replace(OSC, '').replace(CSI, '').replace(OTHER_ESC, '').replace(CONTROL, '');
}
