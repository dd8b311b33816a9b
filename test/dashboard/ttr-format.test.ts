// The dashboard prints time to recover exactly as the CLI and the digest do (one definition, one format).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatTtr } from '../../src/observe/time-to-recover.js';

const APP = fileURLToPath(new URL('../../src/server/dashboard/app.js', import.meta.url));

/** The dashboard's fmtPrecise, cut out of app.js and compiled on its own (it uses nothing else). */
function dashboardFormatter(): (ms: number) => string {
  const src = readFileSync(APP, 'utf8');
  const start = src.indexOf('function fmtPrecise(ms) {');
  expect(start).toBeGreaterThan(0);
  let depth = 0;
  let end = src.indexOf('{', start);
  for (; end < src.length; end++) {
    if (src[end] === '{') depth++;
    else if (src[end] === '}' && --depth === 0) break;
  }
  return new Function(`${src.slice(start, end + 1)}; return fmtPrecise;`)() as (ms: number) => string;
}

describe('dashboard time to recover', () => {
  it('matches formatTtr', () => {
    const fmt = dashboardFormatter();
    for (const ms of [0, 3, 983, 999.6, 1000, 4321, 9999, 10_000, 14_312, 59_949, 59_950, 60_000, 113_000, 3_599_400, 3_600_000, 7_500_000]) {
      expect(fmt(ms), `${ms} ms`).toBe(formatTtr(ms));
    }
  });
});
