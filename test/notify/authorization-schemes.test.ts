// `Authorization: Negotiate <token>` was shown as `Authorization: [REDACTED] [REDACTED]` (the scheme hidden too), and a
// Digest or AWS SigV4 header kept its `response=` / `Signature=` value in plain sight. Now the scheme stays and every
// credential after it goes, whatever the scheme.
import { describe, expect, it } from 'vitest';
import { createNotifier } from '../../src/notify/dispatcher.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor, REDACTED } from '../../src/observe/redact.js';
import { allChannels, config, event, logCollector, receiverPerTest } from './helpers.js';

const NEGOTIATE = 'YIIGhgYJKoZIhvcSAQICAQBuggZ1MIIGcaADAgEF';
const RESPONSE = '6629fae49393a05397450978507c4ef1';
const CNONCE = '0a4f113b7d2c9e8f';
const SIG = 'fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024';
const DIGEST = `Digest username="bob", realm="api@example", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="/dir/index.html", qop=auth, nc=00000001, cnonce="${CNONCE}", response="${RESPONSE}"`;
const SIGV4 = `AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-date, Signature=${SIG}`;
const LINES = [`Authorization: Negotiate ${NEGOTIATE}`, `Proxy-Authorization: ${DIGEST}`, `Authorization: ${SIGV4}`, `{"headers":{"authorization":"Negotiate ${NEGOTIATE}"}}`];
const SECRETS = [NEGOTIATE, RESPONSE, CNONCE, SIG];

describe('an Authorization header of any scheme', () => {
  it('keeps the scheme and the descriptive params, redacts the credentials', () => {
    const r = new Redactor();
    expect(r.redact(LINES[0]!)).toBe(`Authorization: Negotiate ${REDACTED}`);
    const digest = r.redact(LINES[1]!);
    expect(digest).toContain('Proxy-Authorization: Digest username="bob", realm="api@example"');
    expect(digest).toContain(`response="${REDACTED}"`);
    expect(digest).toContain('uri="/dir/index.html", qop=auth, nc=00000001');
    const sigv4 = r.redact(LINES[2]!);
    expect(sigv4).toContain('Authorization: AWS4-HMAC-SHA256 ');
    expect(sigv4).toContain(`SignedHeaders=host;range;x-amz-date, Signature=${REDACTED}`);
    expect(r.redact(LINES[3]!)).toBe(`{"headers":{"authorization":"Negotiate ${REDACTED}"}}`);
    // A log line with the header inside a JSON string (quotes escaped).
    expect(r.redact(JSON.stringify({ msg: LINES[1] }))).toContain(`response=\\"${REDACTED}\\"`);
    for (const line of LINES) for (const s of SECRETS) expect(r.redact(line)).not.toContain(s);
  });

  const h = receiverPerTest();

  it('never reaches a channel from an alert\'s log excerpt', async () => {
    const n = createNotifier(config(allChannels(h.receiver)), { stateDir: h.stateDir, clock: systemClock(), redactor: new Redactor(), log: logCollector().log });
    h.notifiers.push(n);
    n.publish(event({ type: 'probe.failed', severity: 'warning', level: undefined, message: 'web: probe failed', details: { logExcerpt: LINES.join('\n') } }));
    await h.receiver.waitFor(() => h.receiver.accepted.length >= 6 && n.outboxDepth() === 0, 15_000, 'the alert on every channel');
    for (const m of h.receiver.accepted) for (const s of SECRETS) expect(m.raw, m.channel).not.toContain(s);
    expect(h.receiver.accepted.some((m) => m.raw.includes('Negotiate'))).toBe(true);
  }, 30_000);
});
