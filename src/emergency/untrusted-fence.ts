// Text that came from the service (logs, config, probe output) is data for the agent, never instructions: fence it.

const MARKER_LOOKALIKE = /<(\s*\/?\s*)(untrusted)/gi;

/** Neutralises anything inside that could close or open a fence (e.g. "</untrusted-log>"). */
export function neutraliseMarkers(text: string): string {
  return text.replace(MARKER_LOOKALIKE, (_m, slash: string, word: string) => `&lt;${slash}${word}`);
}

/**
 * Wraps text as untrusted data: `<untrusted-KIND>` … `</untrusted-KIND>`, with marker lookalikes inside
 * neutralised so the text cannot end the fence early.
 */
export function fenceUntrusted(kind: string, text: string): string {
  const tag = `untrusted-${kind.replace(/[^a-z0-9-]/gi, '')}`;
  const body = neutraliseMarkers(text);
  return `<${tag}>\n${body}${body.endsWith('\n') || body === '' ? '' : '\n'}</${tag}>`;
}

/** Keeps the last maxLines lines and at most maxChars characters (from the end), saying what was cut. */
export function tailText(text: string, maxLines: number, maxChars: number): string {
  let lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines = lines.slice(0, -1);
  let cut = 0;
  if (lines.length > maxLines) {
    cut = lines.length - maxLines;
    lines = lines.slice(-maxLines);
  }
  let out = lines.join('\n');
  if (out.length > maxChars) {
    out = out.slice(out.length - maxChars);
    const nl = out.indexOf('\n');
    if (nl >= 0 && nl < 200) out = out.slice(nl + 1);
    cut = Math.max(cut, 1);
  }
  return cut > 0 ? `[… earlier output cut …]\n${out}` : out;
}
