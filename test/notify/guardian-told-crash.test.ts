// An event the guardian already told the channels about (the daemon was down) is journaled by the next daemon but never
// published: a SIGKILL after it must not have the next start send it again from the journal.
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createNotifier, type Notifier } from '../../src/notify/dispatcher.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import { config, event, receiverPerTest } from './helpers.js';
import { MARK_FILE, toldByGuardian } from '../../src/notify/journal-catch-up.js';
import type { ClawbackEvent } from '../../src/observe/events.js';

const ARRIVES_MS = 20_000;

describe('alerts the guardian sent, across a daemon crash', () => {
  const h = receiverPerTest();

  /** A notifier as the daemon wires it (observe-wiring): every event journaled, published unless the guardian told it. */
  function daemonNotifier(): { n: Notifier; emit(e: ClawbackEvent): void; journal: string } {
    const journal = path.join(h.stateDir, 'journal.jsonl');
    const n = createNotifier(config([{ type: 'webhook', name: 'hook', url: `${h.receiver.base}/webhook/a` }], { dedupWindow: 0 }), {
      stateDir: h.stateDir,
      journalFile: journal,
      clock: systemClock(),
      redactor: new Redactor(),
    });
    h.notifiers.push(n);
    return {
      n,
      journal,
      emit: (e) => {
        appendFileSync(journal, JSON.stringify(e) + '\n');
        if (!toldByGuardian(e)) n.publish(e);
      },
    };
  }
  const markFile = (): string => path.join(h.stateDir, 'outbox', MARK_FILE);
  const sent = (message: string): number => h.receiver.of('webhook').filter((m) => (m.json as ClawbackEvent).message === message).length;

  it('a guardian-told alert the daemon journaled after its last alert is not sent again by the start after a SIGKILL', async () => {
    const a = daemonNotifier();
    a.emit(event({ type: 'daemon.started', message: 'clawback started (pid 10)' }));
    await h.receiver.waitFor(() => sent('clawback started (pid 10)') === 1, ARRIVES_MS, 'the first alert');
    await a.n.flush(ARRIVES_MS);
    // The guardian told the channels while the daemon was down; the daemon drains its queue into the journal only.
    const told = event({ type: 'daemon.died', severity: 'critical', message: 'clawback died (pid 9): told by the guardian', details: { notifiedBy: 'guardian' } });
    a.emit(told);
    const mark = readFileSync(markFile(), 'utf8');
    // SIGKILL (OOM, power loss) before any other alert: the mark stays where the last published event left it.
    await a.n.stop();
    writeFileSync(markFile(), mark);

    const b = daemonNotifier();
    b.emit(event({ type: 'service.started', message: 'svc started (pid 11)' }));
    await h.receiver.waitFor(() => sent('svc started (pid 11)') === 1, ARRIVES_MS, 'the next alert');
    await b.n.flush(ARRIVES_MS);
    expect(sent(told.message)).toBe(0);
    expect(sent('clawback started (pid 10)')).toBe(1);
  }, 120_000);
});
