// A URL's password holding a space (`https://user:p%40ss word@host`): the space ended the user-info pattern and the
// password was shown whole in logs, alerts and prompts. A port before prose is no password.
import { describe, expect, it } from 'vitest';
import { Redactor } from '../../src/observe/redact.js';

describe('a URL password with a space', () => {
  it('is redacted; the user, host and port stay', () => {
    const r = new Redactor();
    const out = r.redact('connect https://user:p%40ss word@host/x failed; postgres://bob:my secret pw@db.local:5432/app');
    for (const s of ['p%40ss', 'word@', 'my secret pw']) expect(out, s).not.toContain(s);
    for (const s of ['https://user:', '@host/x', 'postgres://bob:', '@db.local:5432/app']) expect(out, s).toContain(s);
  });

  it('a port followed by prose and an address is not taken', () => {
    for (const text of ['listening on http://127.0.0.1:18789 then mail ops@example.com', 'GET http://127.0.0.1:18789, mailed ops@example.com', 'see (http://host:8080) or me@example.com']) {
      expect(new Redactor().redact(text)).toBe(text);
    }
  });

  it('a long line of URL-like text is redacted in bounded time', () => {
    const line = 'https://u:a b'.repeat(8 * 1024);
    const t0 = performance.now();
    new Redactor().redact(line);
    expect(performance.now() - t0).toBeLessThan(5_000);
  });
});
