// A short, human-readable account of what changed in a text file: counts plus the first changed lines.
export interface LineDiff {
  added: number;
  removed: number;
  /** Up to maxLines lines, "- old" / "+ new", in file order. */
  lines: string[];
  truncated: boolean;
}

/** Above this many lines on either side, the diff is by line multiset (no order), to stay bounded. */
const LCS_LIMIT = 2_000;

export function lineDiff(before: string, after: string, maxLines = 20): LineDiff {
  // A final newline is part of its line (as in `diff`): a file that only gains or loses it changes its last line,
  // shown "(no newline at end of file)", not an extra empty-line entry.
  const a = lines(before);
  const b = lines(after);
  const ops = a.length <= LCS_LIMIT && b.length <= LCS_LIMIT ? lcsOps(a, b) : multisetOps(a, b);
  const changed = ops.filter((o) => o.op !== ' ');
  // Said only where the final newline changed: a created, emptied or never-terminated file's lines are just its lines.
  const eolChanged = before !== '' && after !== '' && before.endsWith('\n') !== after.endsWith('\n');
  return {
    added: changed.filter((o) => o.op === '+').length,
    removed: changed.filter((o) => o.op === '-').length,
    lines: changed.slice(0, maxLines).map((o) => `${o.op} ${shown(o.line, eolChanged)}`),
    truncated: changed.length > maxLines,
  };
}

/** Ends a last line that has no final newline (never in a line of text, which split at '\n'). */
const NO_EOL = '\n';

function shown(line: string, eolChanged: boolean): string {
  const noEol = line.endsWith(NO_EOL);
  const text = noEol ? line.slice(0, -NO_EOL.length) : line;
  return `${text.length > 200 ? `${text.slice(0, 200)}…` : text}${noEol && eolChanged ? ' (no newline at end of file)' : ''}`;
}

interface Op {
  op: ' ' | '-' | '+';
  line: string;
}

function lcsOps(a: string[], b: string[]): Op[] {
  const n = a.length;
  const m = b.length;
  // suffix LCS lengths, (n+1) x (m+1), row-major
  const w = m + 1;
  const t = new Uint32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      t[i * w + j] = a[i] === b[j] ? t[(i + 1) * w + j + 1]! + 1 : Math.max(t[(i + 1) * w + j]!, t[i * w + j + 1]!);
    }
  }
  const out: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      out.push({ op: ' ', line: a[i]! });
      i++;
      j++;
    } else if (t[(i + 1) * w + j]! >= t[i * w + j + 1]!) {
      out.push({ op: '-', line: a[i++]! });
    } else {
      out.push({ op: '+', line: b[j++]! });
    }
  }
  while (i < n) out.push({ op: '-', line: a[i++]! });
  while (j < m) out.push({ op: '+', line: b[j++]! });
  return out;
}

function multisetOps(a: string[], b: string[]): Op[] {
  const count = new Map<string, number>();
  for (const l of b) count.set(l, (count.get(l) ?? 0) + 1);
  const out: Op[] = [];
  for (const l of a) {
    const c = count.get(l) ?? 0;
    if (c > 0) count.set(l, c - 1);
    else out.push({ op: '-', line: l });
  }
  const left = new Map<string, number>();
  for (const l of a) left.set(l, (left.get(l) ?? 0) + 1);
  for (const l of b) {
    const c = left.get(l) ?? 0;
    if (c > 0) left.set(l, c - 1);
    else out.push({ op: '+', line: l });
  }
  return out;
}

/** The lines of a text; a last line without a final newline carries NO_EOL; an empty text has none. */
function lines(text: string): string[] {
  if (text === '') return [];
  const parts = text.split('\n');
  if (parts[parts.length - 1] === '') parts.pop();
  else parts[parts.length - 1] += NO_EOL;
  return parts;
}
