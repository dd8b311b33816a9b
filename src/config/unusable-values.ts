// What YAML can express but no config field can hold: a value that contains itself (a recursive alias) crashed the
// checks after the parser (stack overflow, circular JSON), a NUL byte passed them but no spawn, path or env takes it,
// and .inf/.nan (or JSON's 1e400) were told as "Invalid input (got null)", the value lost and nothing expected named.
import { formatPath, type ConfigProblem } from './errors.js';

/** Stop after this many problems: one file cannot usefully report more. */
const MAX_PROBLEMS = 20;

const NUL_MESSAGE = 'contains a NUL byte ("\\0"): no command, path, URL or environment variable can hold one';

type Frame = { value: unknown; path: PropertyKey[] } | { leave: object };

/** Problems of the parsed file that the schema cannot see (or would crash on); walked without recursion. */
export function unusableValues(raw: unknown): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const parents = new Set<object>();
  const stack: Frame[] = [{ value: raw, path: [] }];
  while (stack.length > 0 && problems.length < MAX_PROBLEMS) {
    const frame = stack.pop()!;
    if ('leave' in frame) {
      parents.delete(frame.leave);
      continue;
    }
    const { value, path } = frame;
    if (typeof value === 'string') {
      if (value.includes('\0')) problems.push({ path: formatPath(path), message: NUL_MESSAGE, value });
      continue;
    }
    if (typeof value === 'number' && !Number.isFinite(value)) {
      problems.push({ path: formatPath(path), message: `expected a finite number; got ${nonFinite(value)}` });
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (parents.has(value)) {
      problems.push({ path: formatPath(path), message: 'contains itself (a YAML alias *name inside the block its &name anchors): expected a value that ends' });
      continue;
    }
    parents.add(value);
    stack.push({ leave: value });
    const entries: Array<[PropertyKey, unknown]> = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
    for (const [key, v] of entries.reverse()) {
      if (typeof key === 'string' && key.includes('\0')) problems.push({ path: formatPath(path), message: `the key ${JSON.stringify(key)} ${NUL_MESSAGE}` });
      stack.push({ value: v, path: [...path, key] });
    }
  }
  return problems;
}

/** How the file wrote it (YAML's words; a JSON number too large to hold, such as 1e400, reads as infinity too). */
function nonFinite(value: number): string {
  if (Number.isNaN(value)) return '.nan (not a number)';
  return value > 0 ? '.inf (infinity, or a number too large such as 1e400)' : '-.inf (minus infinity, or a number too large such as -1e400)';
}
