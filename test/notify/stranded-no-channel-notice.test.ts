// A notifier with no channel at all (every one removed: the daemon keeps one while the outbox holds alerts) has nobody to
// tell about the alerts it keeps: it must not record them as announced, or the first channel that comes back under
// another name is never told that alerts are kept for the old one.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createNotifier, type Notifier } from '../../src/notify/dispatcher.js';
import { STRANDED_FILE, readAnnounced } from '../../src/notify/stranded.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import { config, event, receiverPerTest } from './helpers.js';

describe('alerts kept while no channel is configured', () => {
  const h = receiverPerTest();

  it('are counted and not recorded as announced; the next channel is told', async () => {
    const receiver = h.receiver;
    const stateDir = h.stateDir;
    await receiver.down();
    const hook = { type: 'webhook' as const, name: 'ops', url: `${receiver.base}/webhook/ops` };
    const first = createNotifier(config([hook]), { stateDir, clock: systemClock(), redactor: new Redactor() });
    h.notifiers.push(first);
    for (const m of ['one', 'two']) first.publish(event({ message: m }));
    const folder = path.join(stateDir, 'outbox', 'ops');
    await receiver.waitFor(() => existsSync(folder) && readdirSync(folder).filter((f) => /^\d+\.json$/.test(f)).length >= 2, 5000, 'two alerts spooled');
    await first.stop();

    let none: Notifier | undefined = undefined;
    none = createNotifier(config([]), { stateDir, clock: systemClock(), redactor: new Redactor(), emit: (e) => none?.publish(e) });
    h.notifiers.push(none);
    expect(none.stranded()).toEqual({ ops: 2 });
    expect(none.strandedWhy()).toEqual({ ops: 'removed' });
    expect(none.outboxDepth()).toBe(2);
    await new Promise((r) => setTimeout(r, 100)); // the announcement's turn
    await none.stop();
    expect(readAnnounced(path.join(stateDir, 'outbox'))).toEqual({});
    expect(existsSync(path.join(stateDir, 'outbox', STRANDED_FILE))).toBe(false);

    await receiver.up();
    let next: Notifier | undefined = undefined;
    next = createNotifier(config([{ type: 'webhook', name: 'oncall', url: `${receiver.base}/webhook/oncall` }]), { stateDir, clock: systemClock(), redactor: new Redactor(), emit: (e) => next?.publish(e) });
    h.notifiers.push(next);
    await receiver.waitFor(() => receiver.accepted.length >= 1, 10_000, 'the notice on the channel that came back');
    expect((receiver.accepted[0]!.json as { message: string }).message).toContain('2 alert(s) are kept for the channel "ops"');
  });
});
