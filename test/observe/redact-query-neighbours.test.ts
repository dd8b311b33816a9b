// `GET /x?access_token=X&page=2` was logged as `?access_token=[REDACTED]`: the key=value pattern took the other
// parameters with the secret. A query's secret parameter is redacted to its `&`, the rest kept.
import { describe, expect, it } from 'vitest';
import { Redactor, REDACTED } from '../../src/observe/redact.js';

describe('a secret query parameter', () => {
  it('is redacted alone, the parameters after it kept', () => {
    const r = new Redactor();
    expect(r.redact('GET /x?access_token=abcd1234efgh&page=2')).toBe(`GET /x?access_token=${REDACTED}&page=2`);
    expect(r.redact('GET /x?page=2&client_secret=abcd1234efgh&x=1')).toBe(`GET /x?page=2&client_secret=${REDACTED}&x=1`);
    expect(r.redact('GET /x?passwd=abcd1234efgh&x=1')).toBe(`GET /x?passwd=${REDACTED}&x=1`);
    expect(r.redact('GET /x?api_key=abcd1234efgh#frag')).toBe(`GET /x?api_key=${REDACTED}#frag`);
  });
});
