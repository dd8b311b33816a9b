// A channel that never answers (nothing listening, a receiver that accepts and stays silent) must be said, not retried in silence.
import net from 'node:net';
import { beforeEach, describe, expect, it } from 'vitest';
import { createNotifier } from '../../src/notify/dispatcher.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import type { Receiver } from './receiver.js';
import { config, event, logCollector, receiverPerTest } from './helpers.js';

/** A loopback port with nothing listening on it (connections are refused). */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as net.AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('an unreachable channel', () => {
  const h = receiverPerTest();
  let receiver: Receiver;
  beforeEach(() => {
    receiver = h.receiver;
  });

  const notices = (): Array<{ message: string; details?: Record<string, unknown> }> =>
    receiver.accepted.map((m) => m.json as { type: string; message: string; details?: Record<string, unknown> }).filter((j) => (j as { type?: string }).type === 'notify.undelivered');

  for (const kind of ['refuses connections', 'accepts and never answers'] as const) {
    it(`that ${kind} is said once on the other channels after maxAttempts tries, and its alerts stay queued`, async () => {
      const silent = kind === 'accepts and never answers' ? net.createServer(() => undefined) : undefined;
      let url: string;
      if (silent) {
        await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
        url = `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}/hook`;
      } else {
        url = `http://127.0.0.1:${await closedPort()}/hook`;
      }
      try {
        const warns = logCollector();
        const n = createNotifier(
          config(
            [
              { type: 'webhook', name: 'ops', url },
              { type: 'webhook', name: 'backup', url: `${receiver.base}/webhook/backup` },
            ],
            { maxAttempts: 3, timeout: 300 },
          ),
          { stateDir: h.stateDir, clock: systemClock(), redactor: new Redactor(), log: () => undefined, warn: warns.log },
        );
        h.notifiers.push(n);
        const tries = (): number => Number(/"tries":(\d+)/.exec(warns.lines.find((l) => l.includes('unreachable')) ?? '')?.[1] ?? 0);
        n.publish(event({ type: 'incident.escalated', level: 4, message: 'gateway needs a human' }));
        // Before: 50 tries in 15 s, no warning, nothing on the other channel, dead letters 0.
        await receiver.waitFor(() => notices().length >= 1, 20_000, 'the notice on the working channel');
        expect(tries()).toBe(3);
        const notice = notices()[0]!;
        expect(notice.details).toMatchObject({ channel: 'ops', pending: 1, unreachable: true });
        expect(notice.message).toContain('ops');
        expect(notice.message).toContain(silent ? 'timed out' : 'ECONNREFUSED');
        // Said once per outage, however long it lasts; the alert is still pending (not dropped, not parked).
        await new Promise((r) => setTimeout(r, 1500));
        expect(notices()).toHaveLength(1);
        expect(warns.lines.filter((l) => l.includes('unreachable'))).toHaveLength(1);
        // Only the page for ops is left (the backup's alert and notice are delivered).
        await receiver.waitFor(() => n.outboxDepth() === 1, 10_000, 'the backup channel drained');
        expect(n.deadLetters()['ops']).toBe(0);
      } finally {
        silent?.close();
      }
    }, 60_000);
  }
});
