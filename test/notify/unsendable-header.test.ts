// A header value fetch can never send (a "€" in a token, a line break): refused at once and said, not retried for days.
import { beforeEach, describe, expect, it } from 'vitest';
import { createNotifier } from '../../src/notify/dispatcher.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import type { Receiver } from './receiver.js';
import { config, event, logCollector, receiverPerTest } from './helpers.js';

const VALUE = 'tok€n-0123456789';

describe('a channel header value HTTP cannot carry', () => {
  const h = receiverPerTest();
  let receiver: Receiver;
  beforeEach(() => {
    receiver = h.receiver;
  });

  it('dead-letters the alert at once, naming the header (never its value), and tells the other channels', async () => {
    const warns = logCollector();
    const logs = logCollector();
    const n = createNotifier(
      config(
        [
          { type: 'webhook', name: 'ops', url: `${receiver.base}/webhook/ops`, headers: { 'X-Token': VALUE } },
          { type: 'webhook', name: 'backup', url: `${receiver.base}/webhook/backup` },
        ],
        { maxAttempts: 3 },
      ),
      { stateDir: h.stateDir, clock: systemClock(), redactor: new Redactor(), log: logs.log, warn: warns.log },
    );
    h.notifiers.push(n);
    n.publish(event({ type: 'incident.escalated', level: 4, message: 'gateway needs a human' }));
    // Before: "unreachable (Cannot convert argument to a ByteString …)", retried until outboxMaxAge (7 days), no dead letter.
    await receiver.waitFor(() => n.deadLetters()['ops'] === 1, 10_000, 'the alert in the dead letters of ops');
    const notice = () => receiver.accepted.map((m) => m.json as { type?: string; message?: string }).find((j) => j.type === 'notify.undelivered' && j.message?.includes('ops'));
    await receiver.waitFor(() => notice() !== undefined, 10_000, 'the notice on the backup channel');
    expect(notice()!.message).toContain('the header "X-Token" cannot be sent');
    expect(notice()!.message).toContain('U+20AC');
    const said = [...warns.lines, ...logs.lines, JSON.stringify(receiver.accepted.map((m) => m.json))].join('\n');
    expect(said).not.toContain('tok€n');
    expect(said).not.toContain('0123456789');
    // Nothing reached the endpoint of ops: there was nothing it could have received.
    expect(receiver.requests.filter((r) => r.path.startsWith('/webhook/ops'))).toHaveLength(0);

    const [result] = await n.test('ops');
    expect(result).toMatchObject({ channel: 'ops', ok: false });
    expect(result!.error).toContain('"X-Token"');
    expect(result!.error).not.toContain(VALUE);
  }, 30_000);
  it('a URL on a port fetch blocks (6000): dead-lettered at once naming the port, not "fetch failed: bad port" for 7 days', async () => {
    const n = createNotifier(
      config(
        [
          { type: 'webhook', name: 'ops', url: 'http://127.0.0.1:6000/hook' },
          { type: 'webhook', name: 'backup', url: `${receiver.base}/webhook/backup` },
        ],
        { maxAttempts: 3 },
      ),
      { stateDir: h.stateDir, clock: systemClock(), redactor: new Redactor(), log: () => undefined, warn: () => undefined },
    );
    h.notifiers.push(n);
    n.publish(event({ type: 'incident.escalated', level: 4, message: 'gateway needs a human' }));
    await receiver.waitFor(() => n.deadLetters()['ops'] === 1, 10_000, 'the alert in the dead letters of ops');
    const notice = () => receiver.accepted.map((m) => m.json as { type?: string; message?: string }).find((j) => j.type === 'notify.undelivered' && j.message?.includes('ops'));
    await receiver.waitFor(() => notice() !== undefined, 10_000, 'the notice on the backup channel');
    expect(notice()!.message).toContain('port 6000');
    const [result] = await n.test('ops');
    expect(result).toMatchObject({ channel: 'ops', ok: false });
    expect(result!.error).toContain('port 6000');
  }, 30_000);
});
