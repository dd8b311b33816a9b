// A 429 whose body asks for a wait too long for a number (`{"retry_after": 1e400}` parses as Infinity) was read as no
// wait given, so the alert was retried at the backoff (seconds) against an endpoint that asked for the longest wait:
// it is the capped wait (1 h), as 1e9 s is. A negative or non-number wait is still no wait given.
import { describe, expect, it } from 'vitest';
import { bodyRetryAfter, classifyAnswer } from '../../src/notify/delivery-outcome.js';

describe("a 429 body's retry_after", () => {
  it('too long to write is the capped wait, as a very long one is', () => {
    expect(bodyRetryAfter('{"retry_after": 1e400}')).toBe(3_600_000);
    expect(bodyRetryAfter('{"parameters": {"retry_after": 1e400}}')).toBe(3_600_000);
    expect(bodyRetryAfter('{"retry_after": 1e9}')).toBe(3_600_000);
    expect(bodyRetryAfter('{"retry_after": 1.7}')).toBe(1_700);
  });

  it('negative or not a number is no wait given', () => {
    expect(bodyRetryAfter('{"retry_after": -1}')).toBeUndefined();
    expect(bodyRetryAfter('{"retry_after": "5"}')).toBeUndefined();
    expect(bodyRetryAfter('{"retry_after": null}')).toBeUndefined();
  });

  it('reaches the classified answer of a 429', () => {
    const out = classifyAnswer({ status: 429, body: '{"retry_after": 1e400}' }, Date.now());
    expect(out).toMatchObject({ afterMs: 3_600_000 });
  });
});
