// Shapes outside the long-line fix that still cost time in the square of a line's length: a run of spaces after a secret
// key, `Bearer` or `password` (two space runs side by side, or a look-behind re-run at each space given back), `http://`
// repeated (the webhook pattern scanned to the line's end from each) and `-eyJ` repeated (the JWT pattern did the same).
import { describe, expect, it } from 'vitest';
import { Redactor, REDACTED } from '../../src/observe/redact.js';

const N = 256 * 1024;
const SHAPES: Record<string, string> = {
  'password: and spaces': `password:${' '.repeat(N)}x`,
  'pass: and spaces': `pass:${' '.repeat(N)}x`,
  'authorization: and spaces': `authorization:${' '.repeat(N)}x`,
  'Bearer and spaces': `Bearer${' '.repeat(N)}x`,
  'password is and spaces': `password is${' '.repeat(N)}(`,
  'http:// repeated': 'http://'.repeat(N / 7),
  '-eyJ repeated': '-eyJ'.repeat(N / 4),
};

describe('a long line of spaces or repeated starts', () => {
  for (const [name, line] of Object.entries(SHAPES)) {
    it(`(${name}, 256 KiB) is redacted in bounded time`, () => {
      const t0 = performance.now();
      new Redactor().redact(line);
      // ~20-200 ms now; tens of seconds to minutes before the fix.
      expect(performance.now() - t0).toBeLessThan(8_000);
    }, 120_000);
  }

  it('still redacts JWTs, webhooks, a credential on the next line and prose passwords', () => {
    const r = new Redactor();
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
    expect(r.redact(`token ${jwt} x`)).toBe(`token ${REDACTED} x`);
    expect(r.redact(`id-${jwt}`)).toBe(`id-${REDACTED}`);
    expect(r.redact('see https://hooks.slack.com/services/T0/B0/abcdefgh now')).not.toContain('abcdefgh');
    expect(r.redactDeep(['Authorization: Bearer   ', 'abcdefghijklmnopqrstuvwxyz'])).toEqual(['Authorization: Bearer   ', REDACTED]);
    expect(r.redact('the password is   h4nter!')).not.toContain('h4nter');
    expect(r.redact('password: hunter22')).toBe(`password: ${REDACTED}`);
  });
});
