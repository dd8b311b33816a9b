// An ntfy topic is the shared secret of a channel on a public server: an endpoint's answer echoing it is redacted.
import { describe, expect, it } from 'vitest';
import { notifySchema } from '../../src/notify/notify-schema.js';
import { notifySecrets } from '../../src/notify/notify-secrets.js';
import { Redactor, REDACTED } from '../../src/observe/redact.js';

const redactorFor = (topic: string): Redactor =>
  new Redactor(notifySecrets(notifySchema.parse({ channels: [{ type: 'ntfy', server: 'http://127.0.0.1:9/', topic }] })));

describe('ntfy topic', () => {
  it('is redacted in an answer that echoes it, and in the channel URL', () => {
    const r = redactorFor('cbalerts-x7Kq9ZpL2mVw');
    expect(r.redact('HTTP 403: {"error":"forbidden: topic cbalerts-x7Kq9ZpL2mVw is reserved","path":"/cbalerts-x7Kq9ZpL2mVw"}')).toBe(
      `HTTP 403: {"error":"forbidden: topic ${REDACTED} is reserved","path":"/${REDACTED}"}`,
    );
    expect(r.redact('POST http://127.0.0.1:9/cbalerts-x7Kq9ZpL2mVw failed')).toBe(`POST ${REDACTED} failed`);
  });

  it('a short, guessable topic is hidden only in its URL, not as a word', () => {
    const r = redactorFor('alerts');
    expect(r.redact('POST http://127.0.0.1:9/alerts failed; 3 alerts pending; GET /api/alerts')).toBe(`POST ${REDACTED} failed; 3 alerts pending; GET /api/alerts`);
  });
});
