// The model only ever sees redacted config text; when it writes the config back, put the real secret lines back.
import { REDACTED, type Redactor } from '../observe/redact.js';

export type RestoreOutcome = { ok: true; text: string; restored: number } | { ok: false; error: string };

function core(line: string): string {
  return line.trim().replace(/,$/, '').trimEnd();
}

/**
 * For each line of `written` that still holds a [REDACTED] placeholder, finds the line of `original` that
 * redacts to the same text (ignoring indentation and a trailing comma) and puts the original back, keeping
 * the written line's indentation and trailing comma. Fails when a placeholder cannot be mapped.
 */
export function restoreRedactedLines(written: string, original: string, redactor: Redactor): RestoreOutcome {
  if (!written.includes(REDACTED)) return { ok: true, text: written, restored: 0 };
  const byRedacted = new Map<string, string>();
  for (const line of original.split('\n')) {
    const red = redactor.redact(line);
    if (red !== line && !byRedacted.has(core(red))) byRedacted.set(core(red), line);
  }
  let restored = 0;
  const unresolved: number[] = [];
  const out = written.split('\n').map((line, i) => {
    if (!line.includes(REDACTED)) return line;
    const orig = byRedacted.get(core(line));
    if (orig === undefined) {
      unresolved.push(i + 1);
      return line;
    }
    restored++;
    const indent = /^\s*/.exec(line)![0];
    const comma = line.trimEnd().endsWith(',') ? ',' : '';
    return `${indent}${core(orig)}${comma}`;
  });
  if (unresolved.length > 0) {
    return {
      ok: false,
      error: `line(s) ${unresolved.join(', ')} contain ${REDACTED} but do not match a secret line of the current file; keep secret lines exactly as read_config showed them`,
    };
  }
  return { ok: true, text: out.join('\n'), restored };
}
