// Observing reads what the doctor writes but never depends on the doctor: shared readers (a config's $include tree)
// live in src/platform, so the journal, redaction and metrics load without the repair code.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const OBSERVE = fileURLToPath(new URL('../../src/observe/', import.meta.url));

describe('src/observe', () => {
  it('imports nothing from src/doctor', () => {
    const offenders = readdirSync(OBSERVE)
      .filter((f) => f.endsWith('.ts'))
      .filter((f) => /from '\.\.\/doctor\//.test(readFileSync(OBSERVE + f, 'utf8')));
    expect(offenders).toEqual([]);
  });
});
