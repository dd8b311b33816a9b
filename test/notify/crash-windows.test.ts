// The daemon SIGKILLed around an alert: spooled in the same step as its journal line, unspooled as soon as it is accepted.
import { appendFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createNotifier, type Notifier } from '../../src/notify/dispatcher.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import { config, event, receiverPerTest } from './helpers.js';
import { MARK_FILE } from '../../src/notify/journal-catch-up.js';
import type { ClawbackEvent } from '../../src/observe/events.js';

function spooled(stateDir: string, channel: string): string[] {
  try {
    return readdirSync(path.join(stateDir, 'outbox', channel)).filter((f) => /^\d{12}\.json$/.test(f));
  } catch {
    return [];
  }
}

/**
 * How long an alert that must arrive (or a flush that must drain) may take: one HTTP round trip to the loopback
 * receiver, which a worker starved at load 19 was seen to stretch past 2 s. A flush that runs out resolves without
 * an error and leaves the mark behind, so a short one makes the next step judge a stale mark. Bounds for "nothing
 * more arrives" stay short: a slow machine only makes those checks weaker, never wrong.
 */
const ARRIVES_MS = 20_000;
/** Above the sum of a test's ARRIVES_MS waits. */
const TEST_MS = 120_000;

describe('alerts across a daemon crash', () => {
  const h = receiverPerTest();

  it('an alert is on disk when publish returns (the daemon journals and publishes in one synchronous step)', async () => {
    const n = createNotifier(config([{ type: 'webhook', name: 'hook', url: `${h.receiver.base}/webhook/a` }]), { stateDir: h.stateDir, clock: systemClock(), redactor: new Redactor() });
    h.notifiers.push(n);
    await h.receiver.down();
    n.publish(event({ type: 'service.exited', message: 'svc exited with code 3' }));
    // No await between: a SIGKILL here must find the alert spooled.
    expect(spooled(h.stateDir, 'hook')).toHaveLength(1);
  });

  /** A notifier as the daemon wires it: every event journaled, then published. */
  function daemonNotifier(): { n: Notifier; emit(e: ClawbackEvent): void; journal: string } {
    const journal = path.join(h.stateDir, 'journal.jsonl');
    const n = createNotifier(config([{ type: 'webhook', name: 'hook', url: `${h.receiver.base}/webhook/a` }], { dedupWindow: 0 }), {
      stateDir: h.stateDir,
      journalFile: journal,
      clock: systemClock(),
      redactor: new Redactor(),
    });
    h.notifiers.push(n);
    return { n, journal, emit: (e) => (appendFileSync(journal, JSON.stringify(e) + '\n'), n.publish(e)) };
  }
  const markFile = (): string => path.join(h.stateDir, 'outbox', MARK_FILE);
  /** What a SIGKILL leaves: the notifier's mark as it was at that moment (a clean stop removes it). */
  async function kill(n: Notifier, mark: string): Promise<void> {
    await n.stop();
    writeFileSync(markFile(), mark);
  }
  const sent = (message: string): number => h.receiver.of('webhook').filter((m) => (m.json as ClawbackEvent).message === message).length;

  it('an event journaled but not yet spooled when the daemon was killed is alerted on the next start', async () => {
    const a = daemonNotifier();
    a.emit(event({ type: 'service.started', message: 'svc started (pid 1)' }));
    await h.receiver.waitFor(() => sent('svc started (pid 1)') === 1, ARRIVES_MS, 'the first alert');
    await a.n.flush(ARRIVES_MS);
    // Journaled; SIGKILL before the notifier saw it.
    appendFileSync(a.journal, JSON.stringify(event({ type: 'service.exited', message: 'svc exited with exit code 3' })) + '\n');
    await kill(a.n, readFileSync(markFile(), 'utf8'));

    daemonNotifier();
    await h.receiver.waitFor(() => sent('svc exited with exit code 3') === 1, ARRIVES_MS, 'the missed alert');
    await new Promise((r) => setTimeout(r, 300));
    expect(sent('svc started (pid 1)')).toBe(1);
    expect(sent('svc exited with exit code 3')).toBe(1);
  }, TEST_MS);

  it('killed between spooling and marking: sent once; a clean stop leaves nothing to catch up', async () => {
    const a = daemonNotifier();
    a.emit(event({ type: 'service.started', message: 'svc started (pid 2)' }));
    await h.receiver.waitFor(() => sent('svc started (pid 2)') === 1, ARRIVES_MS, 'the first alert');
    await a.n.flush(ARRIVES_MS);
    const before = readFileSync(markFile(), 'utf8');
    await h.receiver.down();
    a.emit(event({ type: 'service.exited', message: 'svc exited with exit code 4' }));
    await kill(a.n, before);
    await h.receiver.up();

    const b = daemonNotifier();
    await h.receiver.waitFor(() => sent('svc exited with exit code 4') >= 1, ARRIVES_MS, 'the spooled alert');
    await b.n.flush(ARRIVES_MS);
    await b.n.stop();
    expect(existsSync(markFile())).toBe(false);
    appendFileSync(b.journal, JSON.stringify(event({ type: 'daemon.stopped', message: 'clawback stopped' })) + '\n');
    daemonNotifier();
    await new Promise((r) => setTimeout(r, 500));
    expect(sent('svc exited with exit code 4')).toBe(1);
    expect(sent('clawback stopped')).toBe(0);
  }, TEST_MS);

  it('killed, rolled back to an older Clawback (it keeps no mark) and upgraded again: what the older one journaled is not sent again', async () => {
    const a = daemonNotifier();
    a.emit(event({ type: 'service.started', message: 'svc started (pid 7)' }));
    await h.receiver.waitFor(() => sent('svc started (pid 7)') === 1, ARRIVES_MS, 'the first alert');
    await a.n.flush(ARRIVES_MS);
    await kill(a.n, readFileSync(markFile(), 'utf8'));
    // The older daemon journals (and alerts) its own run, and stops cleanly without knowing of the mark.
    const older = [
      event({ type: 'daemon.adopted', message: 'adopted running svc (pid 7)' }),
      event({ type: 'daemon.started', message: 'clawback 0.0.9 started (pid 8), supervising 1 service(s)' }),
      event({ type: 'service.exited', message: 'svc exited with exit code 9' }),
      event({ type: 'daemon.stopped', message: 'clawback stopped; services left running for the next daemon' }),
    ];
    for (const e of older) appendFileSync(a.journal, JSON.stringify(e) + '\n');

    daemonNotifier();
    await new Promise((r) => setTimeout(r, 500));
    expect(older.map((e) => sent(e.message))).toEqual([0, 0, 0, 0]);
    expect(sent('svc started (pid 7)')).toBe(1);
  }, TEST_MS);

  it('an alert sent again after a crash carries the same idempotency key (body id and header); another alert its own', async () => {
    const a = daemonNotifier();
    await h.receiver.down();
    a.emit(event({ type: 'service.exited', message: 'svc exited with exit code 5' }));
    a.emit(event({ type: 'service.exited', message: 'svc exited with exit code 6' }));
    const [file] = spooled(h.stateDir, 'hook');
    const spool = readFileSync(path.join(h.stateDir, 'outbox', 'hook', file!), 'utf8');
    await h.receiver.up();
    await h.receiver.waitFor(() => h.receiver.of('webhook').length >= 2, ARRIVES_MS, 'both alerts');
    await a.n.flush(ARRIVES_MS);
    // SIGKILL after the 2xx, before the spool file was removed: the next start sends it again.
    await kill(a.n, readFileSync(markFile(), 'utf8'));
    writeFileSync(path.join(h.stateDir, 'outbox', 'hook', file!), spool);
    daemonNotifier();
    await h.receiver.waitFor(() => sent('svc exited with exit code 5') === 2, ARRIVES_MS, 'the resend');
    const got = h.receiver.of('webhook').map((m) => ({ message: (m.json as ClawbackEvent).message, id: (m.json as { id?: string }).id, header: m.headers['idempotency-key'] }));
    const first = got.filter((g) => g.message === 'svc exited with exit code 5');
    expect(first[0]!.id).toMatch(/^[0-9a-f]{32}$/);
    expect(first[1]!.id).toBe(first[0]!.id);
    expect(first.every((g) => g.header === g.id)).toBe(true);
    expect(got.find((g) => g.message === 'svc exited with exit code 6')!.id).not.toBe(first[0]!.id);
  }, TEST_MS);

  it('an accepted alert is off the disk before anything else is awaited (a crash then does not send it twice)', async () => {
    const seen: boolean[] = [];
    const n = createNotifier(config([{ type: 'webhook', name: 'hook', url: `${h.receiver.base}/webhook/a`, mode: 'incident' }]), {
      stateDir: h.stateDir,
      clock: systemClock(),
      redactor: new Redactor(),
      onAttempt: (channel, ok) => {
        if (ok) seen.push(spooled(h.stateDir, channel).length === 0);
      },
    });
    h.notifiers.push(n);
    n.publish(event({ type: 'incident.opened', incidentId: 'inc-7', message: 'svc down' }));
    await h.receiver.waitFor(() => h.receiver.accepted.length >= 1, ARRIVES_MS, 'the alert');
    await n.flush(ARRIVES_MS);
    expect(seen).toEqual([true]);
    expect(existsSync(path.join(h.stateDir, 'outbox', 'hook', 'threads.json'))).toBe(true);
  }, TEST_MS);
});
