// A value under a password or secret key that starts with a bracket: a YAML flow mapping, an empty mapping or list (the
// short-value pattern took `{a:` or `{` as the password), or a hash's scheme glued to it (`{SSHA}abcdef`, cut at `}`).
import { describe, expect, it } from 'vitest';
import { Redactor } from '../../src/observe/redact.js';

const r = (): Redactor => new Redactor();

describe('a bracket at the start of a secret value', () => {
  it('keeps a flow mapping or list, and an empty one, as written with only its values hidden (as redactDeep does)', () => {
    expect(r().redact('secret: {a: b}')).toBe('secret: {a: [REDACTED]}');
    expect(r().redact('password: {a: 1}')).toBe('password: {a: [REDACTED]}');
    expect(r().redact('secret: {a: b, c: [d, e]}')).toBe('secret: {a: [REDACTED], c: [[REDACTED], [REDACTED]]}');
    expect(r().redact('password: { value: hunter22 } trailing')).toBe('password: { value: [REDACTED] } trailing');
    // Nothing set reads as nothing set, not as a redacted value.
    for (const empty of ['"password": {}', 'secret: []', 'password: [ ]', 'pass: {}']) expect(r().redact(empty)).toBe(empty);
    expect(r().redactDeep({ secret: { a: 'b' } })).toEqual({ secret: { a: '[REDACTED]' } });
    // A short password is still one.
    expect(r().redact('PGPASSWORD=abc')).toBe('PGPASSWORD=[REDACTED]');
    expect(r().redact('password: {x}')).toBe('password: {[REDACTED]}');
  });
});
