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
  // split leaves a last '' for a final newline; an empty text has no lines at all, so it takes the other side's
  // (a created 'x' with no final newline is '+ x', not '- ' and '+ x').
  const a = lines(before, after);
  const b = lines(after, before);
  const ops = a.length <= LCS_LIMIT && b.length <= LCS_LIMIT ? lcsOps(a, b) : multisetOps(a, b);
  const changed = ops.filter((o) => o.op !== ' ');
  return {
    added: changed.filter((o) => o.op === '+').length,
    removed: changed.filter((o) => o.op === '-').length,
    lines: changed.slice(0, maxLines).map((o) => `${o.op} ${o.line.length > 200 ? `${o.line.slice(0, 200)}…` : o.line}`),
    truncated: changed.length > maxLines,
  };
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

/** The lines of a text, a last '' standing for its final newline; an empty text ends as the other does. */
function lines(text: string, other: string): string[] {
  if (text === '') return other.endsWith('\n') ? [''] : [];
  return text.split('\n');
}
