// Who gets what and how often, on a fake clock with a real loopback receiver: filters, dedup, reminders.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createNotifier, type Notifier } from '../../src/notify/dispatcher.js';
import { FakeClock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import type { ClawbackEvent } from '../../src/observe/events.js';
import { Receiver } from './receiver.js';
import { config, event, removeDir, tempStateDir } from './helpers.js';

const HOUR = 3_600_000;

describe('notification policy', () => {
  let receiver: Receiver;
  let stateDir: string;
  let notifier: Notifier | undefined;
  let clock: FakeClock;

  beforeEach(async () => {
    receiver = await Receiver.start();
    stateDir = await tempStateDir();
    clock = new FakeClock(Date.now());
  });

  afterEach(async () => {
    await notifier?.stop();
    notifier = undefined;
    await receiver.close();
    await removeDir(stateDir);
  });

  const messages = (suffix = ''): Array<{ type: string; message: string; kind: string }> =>
    receiver.accepted.filter((m) => m.path === `/webhook/hook${suffix}`).map((m) => m.json as { type: string; message: string; kind: string });

  function at(over: Partial<ClawbackEvent>): ClawbackEvent {
    return event({ time: clock.now(), ...over });
  }

  it('applies per-channel filters; resolved passes any severity floor', async () => {
    notifier = createNotifier(
      config([
        { type: 'webhook', name: 'crit', url: `${receiver.base}/webhook/hook-crit`, minSeverity: 'critical' },
        { type: 'webhook', name: 'inc', url: `${receiver.base}/webhook/hook-inc`, events: ['incident.*'], exclude: ['incident.action'] },
        { type: 'webhook', name: 'all', url: `${receiver.base}/webhook/hook-all` },
        { type: 'webhook', name: 'off', url: `${receiver.base}/webhook/hook-off`, enabled: false },
      ]),
      { stateDir, clock, redactor: new Redactor() },
    );
    const sent: Array<Partial<ClawbackEvent>> = [
      { type: 'probe.failed', severity: 'warning' },
      { type: 'incident.opened', severity: 'critical' },
      { type: 'incident.action', severity: 'info' },
      { type: 'incident.resolved', severity: 'resolved' },
      { type: 'service.started', severity: 'info' },
    ];
    for (const s of sent) notifier.publish(at(s));
    await notifier.flush();
    expect(messages('-crit').map((m) => m.type)).toEqual(['incident.opened', 'incident.resolved']);
    expect(messages('-inc').map((m) => m.type)).toEqual(['incident.opened', 'incident.resolved']);
    expect(messages('-all').map((m) => m.type)).toEqual(sent.map((s) => s.type));
    expect(messages('-off')).toEqual([]);
  });

  it('sends an identical event once within dedupWindow', async () => {
    notifier = createNotifier(config([{ type: 'webhook', url: `${receiver.base}/webhook/hook` }], { dedupWindow: '5m' }), { stateDir, clock, redactor: new Redactor() });
    const e = at({ message: 'port 18789 busy' });
    notifier.publish(e);
    notifier.publish({ ...e });
    notifier.publish({ ...e, message: 'another fact' });
    await notifier.flush();
    clock.advance(4 * 60_000);
    notifier.publish({ ...e, time: clock.now() });
    await notifier.flush();
    expect(messages().map((m) => m.message)).toEqual(['port 18789 busy', 'another fact']);
    clock.advance(60_000);
    notifier.publish({ ...e, time: clock.now() });
    await notifier.flush();
    expect(messages().map((m) => m.message)).toEqual(['port 18789 busy', 'another fact', 'port 18789 busy']);
    expect(notifier.stats().suppressed).toBe(2);
  });

  it('resumes reminders for an incident announced before a daemon restart, without announcing it again', async () => {
    notifier = createNotifier(config([{ type: 'webhook', url: `${receiver.base}/webhook/hook` }], { reminderInterval: '1h' }), { stateDir, clock, redactor: new Redactor() });
    notifier.remember(at({ type: 'incident.escalated', incidentId: 'inc-7', level: 4, message: 'gateway needs a human' }));
    await notifier.flush();
    expect(messages()).toHaveLength(0);
    clock.advance(HOUR);
    await notifier.flush();
    expect(messages().map((m) => m.kind)).toEqual(['reminder']);
  });

  it('reminds every reminderInterval while an incident is open, and stops when resolved', async () => {
    notifier = createNotifier(config([{ type: 'webhook', url: `${receiver.base}/webhook/hook` }], { reminderInterval: '1h' }), { stateDir, clock, redactor: new Redactor() });
    notifier.publish(at({ type: 'incident.opened', incidentId: 'inc-9', message: 'gateway down' }));
    await notifier.flush();
    clock.advance(HOUR);
    await notifier.flush();
    clock.advance(HOUR);
    await notifier.flush();
    expect(messages().map((m) => m.kind)).toEqual(['event', 'reminder', 'reminder']);
    const reminder = receiver.accepted[2]!.json as { title: string; details: { reminder: boolean } };
    expect(reminder.title).toContain('Reminder: gateway');
    expect(reminder.details.reminder).toBe(true);

    // An escalation restarts the interval from its own time and becomes the reminder's content.
    clock.advance(HOUR / 2);
    notifier.publish(at({ type: 'incident.escalated', incidentId: 'inc-9', level: 3, message: 'AI agent launched' }));
    await notifier.flush();
    clock.advance(HOUR / 2);
    await notifier.flush();
    expect(messages()).toHaveLength(4);
    clock.advance(HOUR / 2);
    await notifier.flush();
    expect(messages().map((m) => m.message)).toEqual(['gateway down', 'gateway down', 'gateway down', 'AI agent launched', 'AI agent launched']);

    notifier.publish(at({ type: 'incident.resolved', severity: 'resolved', incidentId: 'inc-9', message: 'healthy again', details: { ttrMs: 4 * HOUR } }));
    await notifier.flush();
    clock.advance(3 * HOUR);
    await notifier.flush();
    expect(messages().map((m) => m.type).slice(-1)).toEqual(['incident.resolved']);
    expect(messages()).toHaveLength(6);
    expect(receiver.accepted[5]!.json).toMatchObject({ title: expect.stringContaining('Recovered') });
    expect(clock.pendingTimers()).toBe(0);

    // stop() cancels reminder timers.
    notifier.publish(at({ type: 'incident.opened', incidentId: 'inc-10', message: 'again' }));
    await notifier.flush();
    expect(clock.pendingTimers()).toBe(1);
    await notifier.stop();
    expect(clock.pendingTimers()).toBe(0);
  });

  it('resolved messages carry the time to recover', async () => {
    notifier = createNotifier(config([{ type: 'telegram', botToken: '12345:abcdefghij', chatId: 1, apiBase: `${receiver.base}/telegram` }]), {
      stateDir,
      clock,
      redactor: new Redactor(),
    });
    notifier.publish(at({ type: 'incident.resolved', severity: 'resolved', message: 'healthy', details: { ttrMs: 93_000 } }));
    await notifier.flush();
    expect(receiver.of('telegram')[0]!.text).toContain('Recovered in 1m33s.');
  });
});
