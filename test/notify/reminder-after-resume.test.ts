// After a person resumes an escalated incident, a reminder must not page "needs a human, run resume" again: seen live,
// a reminder 0.4 s after `clawback resume` repeated the Level 4 text while the resumed service was starting.
import { beforeEach, describe, expect, it } from 'vitest';
import { createNotifier } from '../../src/notify/dispatcher.js';
import { FakeClock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import type { ClawbackEvent } from '../../src/observe/events.js';
import { config, event, receiverPerTest } from './helpers.js';

const HOUR = 3_600_000;

describe('reminders after a person resumed an escalated incident', () => {
  const bed = receiverPerTest();
  let clock: FakeClock;
  beforeEach(() => {
    clock = new FakeClock(Date.now());
  });

  const reminders = (): Array<{ type: string; message: string }> =>
    bed.receiver.accepted.map((m) => m.json as { type: string; message: string; kind: string }).filter((m) => m.kind === 'reminder');
  const at = (over: Partial<ClawbackEvent>): ClawbackEvent => event({ time: clock.now(), service: 'gateway', incidentId: 'inc-4', ...over });

  it('reminds of the open incident, not of the escalation the person already answered', async () => {
    const notifier = createNotifier(config([{ type: 'webhook', url: `${bed.receiver.base}/webhook/hook` }], { reminderInterval: '1h' }), { stateDir: bed.stateDir, clock, redactor: new Redactor() });
    bed.notifiers.push(notifier);
    notifier.publish(at({ type: 'incident.opened', severity: 'warning', level: 0, message: 'incident inc-4 opened for gateway: process ended' }));
    notifier.publish(at({ type: 'incident.escalated', severity: 'critical', level: 4, message: 'gateway needs a human: crash loop. Run `clawback resume gateway` when fixed.' }));
    await notifier.flush();
    clock.advance(HOUR);
    await notifier.flush();
    expect(reminders().map((m) => m.type)).toEqual(['incident.escalated']);

    notifier.publish(at({ type: 'incident.action', severity: 'info', message: 'gateway: resume by a person', details: { action: 'human-resume' } }));
    await notifier.flush();
    clock.advance(HOUR);
    await notifier.flush();
    const after = reminders().slice(1);
    expect(after).toHaveLength(1);
    expect(after[0]!.type).toBe('incident.opened');
    expect(after[0]!.message).not.toContain('needs a human');

    // Escalated again: the reminders page for a person again.
    notifier.publish(at({ type: 'incident.escalated', severity: 'critical', level: 4, message: 'gateway needs a human: crash loop again' }));
    await notifier.flush();
    clock.advance(HOUR);
    await notifier.flush();
    expect(reminders().at(-1)!.type).toBe('incident.escalated');
  }, 20_000);
});
