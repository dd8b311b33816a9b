// A password hash or a stored password with its scheme in braces glued to it (LDAP's `{SSHA}`, Spring's `{noop}`,
// `{bcrypt}`): the value stopped at the `}` and the hash or plain password after it was shown.
import { describe, expect, it } from 'vitest';
import { Redactor } from '../../src/observe/redact.js';

const r = (): Redactor => new Redactor();

describe('a scheme in braces glued to a secret value', () => {
  it('takes the scheme and what follows it as the value', () => {
    expect(r().redact('password={SSHA}abcdef')).toBe('password=[REDACTED]');
    expect(r().redact('userPassword: {SSHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=')).toBe('userPassword: [REDACTED]');
    expect(r().redact('spring.security.user.password={noop}hunter2 loaded')).toBe('spring.security.user.password=[REDACTED] loaded');
    expect(r().redact('password: {bcrypt}$2a$10$abcdefghijklmnopqrstuv, user=bob')).toBe('password: [REDACTED], user=bob');
    expect(r().redact('(password={CRYPT}$6$salt$hash)')).toBe('(password=[REDACTED])');
  });

  it('leaves mappings to the structure redactor, keys kept', () => {
    expect(r().redact('password={SSHA}')).toBe('password={[REDACTED]}');
    expect(r().redact('password: {a: hunter2}, next')).toBe('password: {a: [REDACTED]}, next');
    expect(r().redact('password=[REDACTED]')).toBe('password=[REDACTED]');
  });
});
