// Pages first, over real loopback HTTP: after an outage a page must not wait behind the backlog of ordinary alerts.
import { beforeEach, describe, expect, it } from 'vitest';
import { createNotifier } from '../../src/notify/dispatcher.js';
import { nextToSend } from '../../src/notify/delivery-order.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import type { ClawbackEvent } from '../../src/observe/events.js';
import { Receiver } from './receiver.js';
import { config, event, receiverPerTest } from './helpers.js';

const info = (i: number): ClawbackEvent =>
  event({ type: 'service.healthy', severity: 'info', level: undefined, incidentId: undefined, service: `svc-${i}`, message: `svc-${i} healthy again` });

describe('delivery order', () => {
  const h = receiverPerTest();
  let receiver: Receiver;
  beforeEach(() => {
    receiver = h.receiver;
  });

  it('a page queued during an outage goes first on recovery, right after the alert of its incident it follows on', async () => {
    const n = createNotifier(
      config([
        { type: 'webhook', url: `${receiver.base}/webhook/a` },
        // Incident mode: the escalation joins the live message of its incident, so it must not precede it.
        { type: 'discord', mode: 'incident', url: `${receiver.base}/discord/1/tok-abcdefghijklmnop` },
      ]),
      { stateDir: h.stateDir, clock: systemClock(), redactor: new Redactor() },
    );
    h.notifiers.push(n);
    await receiver.down();
    for (let i = 0; i < 20; i++) n.publish(info(i));
    n.publish(event({ type: 'incident.opened', incidentId: 'inc-7', service: 'gateway', level: 1, message: 'gateway stopped answering' }));
    for (let i = 20; i < 40; i++) n.publish(info(i));
    n.publish(event({ type: 'incident.escalated', incidentId: 'inc-7', service: 'gateway', level: 4, message: 'gateway needs a person' }));
    // The endpoint is back once the first alert is in its retry wait.
    await new Promise((r) => setTimeout(r, 300));
    await receiver.up();
    await receiver.waitFor(() => receiver.of('webhook').length >= 42, 20_000, 'every alert after recovery');

    const types = receiver.of('webhook').map((m) => (m.json as { type: string; service?: string }).type);
    const services = receiver.of('webhook').map((m) => (m.json as { service?: string }).service);
    expect(types.slice(0, 2)).toEqual(['incident.opened', 'incident.escalated']);
    // The rest keeps its order, and nothing is sent twice.
    expect(services.slice(2)).toEqual(Array.from({ length: 40 }, (_, i) => `svc-${i}`));
    await receiver.waitFor(() => receiver.of('discord').some((m) => m.text.includes('needs a person')), 20_000, 'the escalation on discord');
    const discord = receiver.of('discord');
    const opened = discord.findIndex((m) => m.text.includes('gateway stopped answering'));
    const escalated = discord.findIndex((m) => m.text.includes('needs a person'));
    expect(opened).toBeGreaterThanOrEqual(0);
    expect(escalated).toBeGreaterThanOrEqual(opened);
    expect(receiver.rejected).toEqual([]);
    await n.flush(20_000);
    expect(n.outboxDepth()).toBe(0);
  });

  it('a critical alert queued behind a crash storm of info alerts goes first on recovery', async () => {
    const n = createNotifier(config([{ type: 'webhook', url: `${receiver.base}/webhook/a` }]), { stateDir: h.stateDir, clock: systemClock(), redactor: new Redactor() });
    h.notifiers.push(n);
    await receiver.down();
    for (let i = 0; i < 60; i++) n.publish(info(i));
    n.publish(event({ type: 'incident.opened', severity: 'critical', incidentId: 'inc-9', service: 'gateway', level: 1, message: 'gateway stopped answering' }));
    await new Promise((r) => setTimeout(r, 300));
    await receiver.up();
    await receiver.waitFor(() => receiver.of('webhook').length >= 61, 20_000, 'every alert after recovery');
    const types = receiver.of('webhook').map((m) => (m.json as { type: string }).type);
    // The first try may have been one of the backlog (sent before the endpoint went down): the critical is next at the latest.
    expect(types.indexOf('incident.opened')).toBeLessThanOrEqual(1);
    expect(types.filter((t) => t === 'incident.opened')).toHaveLength(1);
  });

  it('a warning overtaken by pages keeps its spent attempts: a flapping endpoint cannot retry it past maxAttempts', async () => {
    const warned: string[] = [];
    const n = createNotifier(config([{ type: 'webhook', url: `${receiver.base}/webhook/a` }], { maxAttempts: 3 }), {
      stateDir: h.stateDir,
      clock: systemClock(),
      redactor: new Redactor(),
      warn: (m) => warned.push(m),
    });
    h.notifiers.push(n);
    // The endpoint refuses the warning (500, counted) and accepts every page; a page arrives after each refusal.
    receiver.refuseWhere((raw) => raw.includes('"type":"service.unhealthy"'));
    const refusals = (): number => receiver.requests.filter((r) => r.status === 500).length;
    n.publish(event({ type: 'service.unhealthy', severity: 'warning', level: undefined, incidentId: undefined, service: 'w', message: 'w is slow' }));
    for (let i = 1; i <= 5; i++) {
      await receiver.waitFor(() => refusals() >= i, 20_000, `refusal ${i} of the warning`);
      n.publish(event({ type: 'incident.escalated', level: 4, incidentId: `inc-${i}`, service: `svc-${i}`, message: `page ${i}` }));
      await receiver.waitFor(() => receiver.accepted.some((m) => (m.json as { message: string }).message === `page ${i}`), 20_000, `page ${i}`);
    }
    // Pages cut in after refusals 1 and 2: still the third refusal spent the budget (each page restarted it before).
    expect(n.stats().deadLettered).toBe(1);
    expect(n.stats().failed).toBe(1);
    expect(warned.filter((w) => w.includes('retry budget spent after 3 refusals'))).toHaveLength(1);
    expect(n.deadLetters()).toEqual({ webhook: 1 });
    expect(receiver.accepted.map((m) => (m.json as { message: string }).message).filter((m) => m.startsWith('page'))).toHaveLength(5);
  });
});

describe('nextToSend', () => {
  const page = (over: Partial<ClawbackEvent> = {}): ClawbackEvent => event({ type: 'incident.escalated', level: 4, ...over });

  it('keeps spool order while no page waits', () => {
    expect(nextToSend([info(1), info(2), info(3)], (e) => e)).toBe(0);
    expect(nextToSend([], (e: ClawbackEvent) => e)).toBe(0);
  });

  it('takes the oldest page before the backlog', () => {
    const q = [info(1), info(2), page({ incidentId: 'a', service: 'x' }), page({ incidentId: 'b', service: 'y' })];
    expect(nextToSend(q, (e) => e)).toBe(2);
  });

  it('sends first what the page follows on: its incident, or its service', () => {
    const opened = event({ type: 'incident.opened', incidentId: 'a', service: 'x', level: 1 });
    expect(nextToSend([info(1), opened, info(2), page({ incidentId: 'a', service: 'x' })], (e) => e)).toBe(1);
    const exited = event({ type: 'service.exited', incidentId: undefined, service: 'x', level: undefined });
    expect(nextToSend([info(1), exited, page({ incidentId: 'a', service: 'x' })], (e) => e)).toBe(1);
  });

  it('a critical alert of another service goes before a backlog of info and warning alerts; a warning does not', () => {
    const backlog = Array.from({ length: 200 }, (_, i) => info(i));
    const critical = event({ type: 'incident.opened', severity: 'critical', incidentId: 'c', service: 'gateway', level: 1 });
    expect(nextToSend([...backlog, critical], (e) => e)).toBe(200);
    const warning = event({ type: 'service.unhealthy', severity: 'warning', incidentId: undefined, service: 'gateway', level: undefined });
    expect(nextToSend([...backlog, warning], (e) => e)).toBe(0);
    // Still after what it follows on: an earlier alert of its own service.
    const own = event({ type: 'service.unhealthy', severity: 'warning', incidentId: undefined, service: 'gateway', level: undefined });
    expect(nextToSend([info(1), own, info(2), critical], (e) => e)).toBe(1);
  });

  it('promotes a breaker trip and a daemon fault like a page', () => {
    expect(nextToSend([info(1), event({ type: 'breaker.tripped', level: undefined, service: 'z', incidentId: undefined })], (e) => e)).toBe(1);
    expect(nextToSend([info(1), event({ type: 'daemon.fault', level: undefined, service: undefined, incidentId: undefined })], (e) => e)).toBe(1);
  });
});
