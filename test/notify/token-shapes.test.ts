// Common token shapes (GitLab, Slack app/refresh, AWS temporary, npm, Hugging Face, Stripe, SendGrid) never reach a chat.
import { describe, expect, it } from 'vitest';
import { createNotifier } from '../../src/notify/dispatcher.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import { allChannels, config, event, logCollector, receiverPerTest } from './helpers.js';

/** Tokens in the shapes their services document; none is known to the redactor beforehand. */
const TOKENS = [
  'glpat-xR4nd0mT0k3nV4lu3abc12',
  'glptt-0123456789abcdef0123456789abcdef01234567',
  'gldt-AbCdEfGhIjKlMnOpQrSt',
  'glrt-AbCdEfGhIjKlMnOpQrSt',
  'xapp-1-A0123456789-1234567890123-abcdef0123456789abcdef',
  'xoxe.xoxp-1-Mi0yLTEyMzQ1Njc4OTAxMi0xMjM0NTY3ODkwMTIz',
  'ASIAIOSFODNN7EXAMPL2',
  'npm_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789',
  'hf_AbCdEfGhIjKlMnOpQrStUvWxYz01234567',
  'sk_live_AbCdEfGhIjKlMnOpQrStUvWx',
  'SG.AbCdEfGhIjKlMnOpQrStUv.AbCdEfGhIjKlMnOpQrStUvWxYz0123456789',
];

describe('token shapes', () => {
  const bed = receiverPerTest();

  it('redacts each shape in every channel payload and in the log', async () => {
    const logs = logCollector();
    const notifier = createNotifier(config(allChannels(bed.receiver)), { stateDir: bed.stateDir, clock: systemClock(), redactor: new Redactor(), hostname: 'h', log: logs.log });
    bed.notifiers.push(notifier);
    notifier.publish(event({ message: `clone failed: remote said ${TOKENS.join(' ')}`, details: { logExcerpt: TOKENS.map((t) => `auth with ${t} refused`).join('\n') } }));
    await bed.receiver.waitFor(() => bed.receiver.accepted.length >= 5, 10_000, 'one alert on each of the five channels');
    await notifier.flush(5000);
    const sent = bed.receiver.accepted.map((m) => m.raw).join('\n') + logs.lines.join('\n');
    expect(sent).toContain('[REDACTED]');
    for (const token of TOKENS) expect(sent, token).not.toContain(token);
    // The words around them are kept.
    expect(sent).toContain('clone failed');
  });

  it('keeps look-alike words that are not tokens', () => {
    const r = new Redactor();
    const text = 'npm_config_cache=/tmp/npm glpat-short gitlab-runner hf_home sk_live_x';
    expect(r.redact(text)).toBe(text);
  });
});
