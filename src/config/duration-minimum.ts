// The JSON Schema of a duration with a minimum (an editor must refuse `window: 30s` where validate wants 1m): a
// number minimum and a string pattern generated from the same minimum the loader checks. No zod here.
const UNITS: ReadonlyArray<readonly [string, number]> = [['ms', 1], ['s', 1000], ['m', 60_000], ['h', 3_600_000], ['d', 86_400_000]];

/** A regex source matching the decimal digits of an integer >= n (n a positive integer), leading zeros allowed. */
export function integerAtLeast(n: number): string {
  const d = String(n);
  const alts = [`[1-9]\\d{${d.length},}`, d];
  for (let i = 0; i < d.length; i++) {
    const digit = Number(d[i]);
    if (digit === 9) continue;
    const rest = d.length - i - 1;
    alts.push(`${d.slice(0, i)}[${digit + 1}-9]${rest > 0 ? `\\d{${rest}}` : ''}`);
  }
  return `0*(?:${alts.join('|')})`;
}

/**
 * A pattern for duration strings (config/duration.ts) worth at least minMs. Exact for every unit whose minimum is a
 * whole number of it (`30s` refused, `60s`/`1m` taken for 1m); for a unit larger than the minimum any value above 0
 * is taken (`0.01h` for a 1m minimum passes the editor, validate still refuses it).
 */
export function durationAtLeastPattern(minMs: number): string {
  const alts: string[] = [];
  for (const [unit, ms] of UNITS) {
    const suffix = unit === 'ms' ? '\\s*(?:ms)?' : `\\s*${unit}`;
    const threshold = minMs / ms;
    if (threshold <= 0) alts.push(`\\d+(?:\\.\\d+)?${suffix}`);
    else if (Number.isInteger(threshold)) {
      // The loader rounds to whole ms: 999.5ms is 1000ms.
      const rounding = unit === 'ms' ? `|0*${threshold - 1}\\.[5-9]\\d*` : '';
      alts.push(`(?:${integerAtLeast(threshold)}(?:\\.\\d+)?${rounding})${suffix}`);
    } else if (threshold > 1) alts.push(`${integerAtLeast(Math.ceil(threshold))}(?:\\.\\d+)?${suffix}`);
    else alts.push(`(?:\\d*[1-9]\\d*(?:\\.\\d+)?|\\d+\\.\\d*[1-9]\\d*)${suffix}`);
  }
  return `^\\s*(?:${alts.join('|')})\\s*$`;
}

/** The two input forms of a duration of at least minMs, for anyOf. */
export function durationAtLeastJsonSchema(minMs: number, what: string): Array<Record<string, unknown>> {
  return [
    { type: 'number', minimum: minMs },
    { type: 'string', pattern: durationAtLeastPattern(minMs), description: `${what}: a duration of at least ${minMs} ms (written as 30s, 5m, 2h, 1d or milliseconds)` },
  ];
}
