// An endpoint that answers 429 without end (ntfy's daily quota, a banned webhook): said once, not retried in silence.
import { beforeEach, describe, expect, it } from 'vitest';
import { createNotifier } from '../../src/notify/dispatcher.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import type { Receiver } from './receiver.js';
import { config, event, logCollector, receiverPerTest } from './helpers.js';

describe('a channel rate-limited without end', () => {
  const h = receiverPerTest();
  let receiver: Receiver;
  beforeEach(() => {
    receiver = h.receiver;
  });

  {
    it('(429 for every alert, no Retry-After) is said once on the other channels; its alerts stay queued', async () => {
      const warns = logCollector();
      const n = createNotifier(
        config(
          [
            { type: 'ntfy', name: 'phone', server: receiver.base, topic: 'ntfy' },
            { type: 'webhook', name: 'backup', url: `${receiver.base}/webhook/backup` },
          ],
          { maxAttempts: 3 },
        ),
        { stateDir: h.stateDir, clock: systemClock(), redactor: new Redactor(), log: () => undefined, warn: warns.log },
      );
      h.notifiers.push(n);
      // Only ntfy's plain-text bodies are refused; the backup webhook's JSON gets through.
      receiver.refuseWhere((raw) => !raw.startsWith('{'), 429);
      n.publish(event({ type: 'incident.escalated', level: 4, message: 'gateway needs a human' }));
      const notices = () => receiver.accepted.map((m) => m.json as { type?: string; message?: string; details?: Record<string, unknown> }).filter((j) => j.type === 'notify.undelivered');
      // Before: 429 after 429 (one every backoff), no warning, nothing on the other channel, status clean.
      await receiver.waitFor(() => notices().length >= 1, 15_000, 'the notice on the backup channel');
      const notice = notices()[0]!;
      expect(notice.details).toMatchObject({ channel: 'phone', pending: 1 });
      expect(notice.message).toContain('HTTP 429');
      expect(notice.message).toContain('refused 429');
      expect(notice.message).not.toContain('without an answer');
      expect(warns.lines.filter((l) => l.includes('phone') && l.includes('429'))).toHaveLength(1);
      expect(n.unreachable()['phone']).toMatchObject({ pending: 1 });
      expect(n.deadLetters()['phone']).toBe(0);
    }, 30_000);
  }
});
