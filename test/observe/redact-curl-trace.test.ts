// curl's trace lines (`* token X`, `> token X`): a secret word, a space and the credential, no `:` for a key pattern to see.
import { describe, expect, it } from 'vitest';
import { Redactor } from '../../src/observe/redact.js';

describe('a credential after a curl trace prefix', () => {
  it('is redacted, the prefix and the word kept; prose stays', () => {
    const r = new Redactor();
    const text = ['* Authorization: Bearer abcdefghijkl123456', '* token abcdef1234567890XYZ', '> api-key sk-abcdefghij1234', '* token expired', '< HTTP/1.1 200 OK'].join('\n');
    const out = r.redact(text).split('\n');
    expect(out).toEqual(['* Authorization: Bearer [REDACTED]', '* token [REDACTED]', '> api-key [REDACTED]', '* token expired', '< HTTP/1.1 200 OK']);
    expect(r.redactDeep(text.split('\n'))).toEqual(out);
  });
});
