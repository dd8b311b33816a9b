// The model only ever sees redacted config text; when it writes the config back, put the real secret lines back.
import { REDACTED, type Redactor } from '../observe/redact.js';

export type RestoreOutcome = { ok: true; text: string; restored: number } | { ok: false; error: string };

function core(line: string): string {
  return line.trim().replace(/,$/, '').trimEnd();
}

/**
 * For each line of `written` that still holds a [REDACTED] placeholder, finds the line of `original` that
 * redacts to the same text (ignoring indentation and a trailing comma) and puts the original back, keeping
 * the written line's indentation and trailing comma; several originals that redact alike are taken in their order.
 * Fails when a placeholder cannot be mapped.
 */
export function restoreRedactedLines(written: string, original: string, redactor: Redactor): RestoreOutcome {
  if (!written.includes(REDACTED)) return { ok: true, text: written, restored: 0 };
  // The original redacted as a whole, as read_config showed it (a key block's body lines are redacted only so), line
  // for line; per line when a secret spanning lines changed the count.
  const lines = original.split('\n');
  const whole = redactor.redact(original).split('\n');
  const reds = whole.length === lines.length ? whole : lines.map((l) => redactor.redact(l));
  // Lines that redact alike (a key block's body, two `"token": "[REDACTED]"`) are put back in their order.
  const byRedacted = new Map<string, string[]>();
  lines.forEach((line, i) => {
    const red = reds[i]!;
    if (red === line) return;
    const same = byRedacted.get(core(red));
    if (same) same.push(line);
    else byRedacted.set(core(red), [line]);
  });
  const used = new Map<string, number>();
  let restored = 0;
  const unresolved: number[] = [];
  const out = written.split('\n').map((line, i) => {
    if (!line.includes(REDACTED)) return line;
    const same = byRedacted.get(core(line));
    const nth = used.get(core(line)) ?? 0;
    used.set(core(line), nth + 1);
    const orig = same && (new Set(same).size === 1 ? same[0] : same[nth]);
    if (orig === undefined) {
      unresolved.push(i + 1);
      return line;
    }
    restored++;
    const indent = /^\s*/.exec(line)![0];
    const comma = line.trimEnd().endsWith(',') ? ',' : '';
    // A CRLF file's line keeps its `\r` (trimmed away with the rest, the file came back with mixed line endings).
    const cr = line.endsWith('\r') ? '\r' : '';
    return `${indent}${core(orig)}${comma}${cr}`;
  });
  if (unresolved.length > 0) {
    return {
      ok: false,
      error: `line(s) ${unresolved.join(', ')} contain ${REDACTED} but do not match a secret line of the current file; keep secret lines exactly as read_config showed them`,
    };
  }
  return { ok: true, text: out.join('\n'), restored };
}
