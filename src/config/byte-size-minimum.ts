// Why this exists: the exported JSON Schema took any size above 0 where the loader wants at least N bytes
// (`logs.maxBytes: 512` passed the editor, validate refused it): the schema's bound is generated from the loader's.
import { integerAtLeast } from './duration-minimum.js';

/** Each multiplier of probes/byte-size.ts with the unit spellings (any case) that mean it. */
const UNITS: ReadonlyArray<readonly [number, string]> = [
  [1, '(?:[bB])?'],
  [1e3, '[kK][bB]'],
  [1024, '[kK](?:[iI][bB])?'],
  [1e6, '[mM][bB]'],
  [1024 ** 2, '[mM](?:[iI][bB])?'],
  [1e9, '[gG][bB]'],
  [1024 ** 3, '[gG](?:[iI][bB])?'],
  [1e12, '[tT][bB]'],
  [1024 ** 4, '[tT](?:[iI][bB])?'],
];

/**
 * A pattern for size strings worth at least minBytes (a positive integer). Exact where the minimum is a whole number
 * of the unit (`1023` and `0.5K` refused, `1024`, `1K`, `1KiB` taken for 1024); otherwise a value just above a
 * whole number of the unit (`1.01kB`) or a tiny fraction of a larger one (`0.0001MB`) is left to validate.
 */
export function byteSizeAtLeastPattern(minBytes: number): string {
  const alts: string[] = [];
  for (const [mult, unit] of UNITS) {
    const threshold = minBytes / mult;
    let value: string;
    if (Number.isInteger(threshold)) value = `${integerAtLeast(threshold)}(?:\\.\\d+)?`;
    else if (threshold > 1) value = `(?:${integerAtLeast(Math.ceil(threshold))}(?:\\.\\d+)?|0*${Math.floor(threshold)}\\.\\d*[1-9]\\d*)`;
    else value = '(?:\\d*[1-9]\\d*(?:\\.\\d+)?|\\d+\\.\\d*[1-9]\\d*)';
    // The loader rounds to whole bytes: 1023.5 is 1024.
    const rounding = mult === 1 ? `|0*${minBytes - 1}\\.[5-9]\\d*` : '';
    alts.push(`(?:${value}${rounding})\\s*${unit}`);
  }
  return `^\\s*(?:${alts.join('|')})\\s*$`;
}

/** The two input forms of a size of at least minBytes, for anyOf. */
export function byteSizeAtLeastJsonSchema(minBytes: number): Array<Record<string, unknown>> {
  return [
    { type: 'number', minimum: minBytes - 0.5 },
    { type: 'string', pattern: byteSizeAtLeastPattern(minBytes), description: `a size of at least ${minBytes} bytes, such as 10MiB, 200MB, 512K, or bytes` },
  ];
}
