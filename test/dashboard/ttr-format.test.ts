// The dashboard prints time to recover exactly as the CLI and the digest do (one definition, one format).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatTtr } from '../../src/observe/time-to-recover.js';
import { humanBytes } from '../../src/cli/format.js';

const APP = fileURLToPath(new URL('../../src/server/dashboard/app.js', import.meta.url));

/** One of the dashboard's formatters, cut out of app.js and compiled on its own (they use nothing else). */
function dashboardFormatter(name = 'fmtPrecise'): (n: number) => string {
  const src = readFileSync(APP, 'utf8');
  const start = src.indexOf(`function ${name}(`);
  expect(start).toBeGreaterThan(0);
  let depth = 0;
  let end = src.indexOf('{', start);
  for (; end < src.length; end++) {
    if (src[end] === '{') depth++;
    else if (src[end] === '}' && --depth === 0) break;
  }
  return new Function(`${src.slice(start, end + 1)}; return ${name};`)() as (n: number) => string;
}

describe('dashboard time to recover', () => {
  it('matches formatTtr', () => {
    const fmt = dashboardFormatter();
    for (const ms of [0, 3, 983, 999.6, 1000, 4321, 9999, 10_000, 14_312, 59_949, 59_950, 60_000, 113_000, 3_599_400, 3_600_000, 7_500_000]) {
      expect(fmt(ms), `${ms} ms`).toBe(formatTtr(ms));
    }
  });
});

describe('dashboard sizes', () => {
  it('match the CLI (binary units, same precision)', () => {
    const fmt = dashboardFormatter('fmtBytes');
    for (const n of [0, 512, 2048, 256_000_000, 256 * 1024 * 1024, 1.5 * 1024 ** 3, 2_000_000_000]) expect(fmt(n), `${n} B`).toBe(humanBytes(n));
  });
});
