// A flood of alerts (a crash storm while the endpoint is down or refusing) over real loopback HTTP: a bounded outbox.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { createNotifier } from '../../src/notify/dispatcher.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import type { Receiver } from './receiver.js';
import { config, event, logCollector, receiverPerTest } from './helpers.js';

/** Every outbox file of a channel, pending and dead letters. */
async function spooled(stateDir: string, channel: string): Promise<string[]> {
  const dir = path.join(stateDir, 'outbox', channel);
  const out: string[] = [];
  for (const f of await readdir(dir).catch(() => [] as string[])) if (/^\d+\.json$/.test(f)) out.push(f);
  for (const f of await readdir(path.join(dir, 'dead')).catch(() => [] as string[])) if (/^\d+\.json$/.test(f)) out.push(`dead/${f}`);
  return out;
}

interface Hook {
  type: string;
  message: string;
  level?: number;
  details?: { suppressed?: number };
}

describe('an alert flood', () => {
  const h = receiverPerTest();
  let receiver: Receiver;
  let stateDir: string;
  beforeEach(() => {
    receiver = h.receiver;
    stateDir = h.stateDir;
  });

  it('keeps at most outboxLimit alerts per channel, folds the rest into one summary, and never folds a human-needed alert', async () => {
    const logs = logCollector();
    const limit = 10;
    const n = createNotifier(config([{ type: 'webhook', url: `${receiver.base}/webhook/a` }], { outboxLimit: limit }), {
      stateDir,
      clock: systemClock(),
      redactor: new Redactor(),
      log: logs.log,
    });
    h.notifiers.push(n);
    await receiver.down();
    // A crash storm: 300 distinct alerts, a Level 4 page in the middle of it.
    const total = 300;
    for (let i = 0; i < total; i++) {
      if (i === 150) n.publish(event({ type: 'incident.escalated', level: 4, service: 's7', incidentId: 'inc-s7', message: 's7 needs a human' }));
      n.publish(event({ type: 'service.exited', severity: 'warning', service: `s${i % 20}`, incidentId: `inc-s${i % 20}`, message: `exit ${i}` }));
    }
    // Bounded on disk and in memory: the limit, the summary and the kept page.
    expect(n.outboxDepth()).toBeLessThanOrEqual(limit + 2);
    expect((await spooled(stateDir, 'webhook')).length).toBeLessThanOrEqual(limit + 2);
    expect(logs.lines.filter((l) => l.includes('is full')).length).toBe(1);
    expect(n.stats().coalesced).toBe(total + 1 - limit);

    await receiver.up();
    await receiver.waitFor(() => receiver.accepted.some((m) => (m.json as Hook).type === 'notify.suppressed') && n.outboxDepth() === 0, 20_000, 'the backlog and its summary');
    await n.flush(5000);
    const got = receiver.of('webhook').map((m) => m.json as Hook);
    // The page arrives on its own; every other alert arrived itself or is counted in a summary.
    expect(got.filter((g) => g.type === 'incident.escalated').map((g) => g.message)).toEqual(['s7 needs a human']);
    const alone = got.filter((g) => g.type === 'service.exited');
    const summaries = got.filter((g) => g.type === 'notify.suppressed');
    expect(summaries.length).toBeGreaterThanOrEqual(1);
    const folded = summaries.reduce((sum, s) => sum + (s.details?.suppressed ?? 0), 0);
    expect(alone.length + folded).toBe(total);
    expect(alone.length).toBeLessThanOrEqual(limit);
    // The summary says how many, since when, and which was the latest.
    expect(summaries.at(-1)!.message).toMatch(/^\d+ alert\(s\) suppressed since \d\d:\d\d:\d\d UTC: .*latest: .*exit 299$/);
    // The page overtook the backlog: behind at most the alert already in flight and the alert of its own incident (it
    // follows on it); every other alert as it came, then the summary.
    const order = got.map((g) => g.message);
    expect(order.indexOf('s7 needs a human')).toBeLessThanOrEqual(2);
    expect(order.indexOf('exit 7')).toBeLessThan(order.indexOf('s7 needs a human'));
    const num = (m: string): number => Number(m.replace('exit ', ''));
    expect(alone.map((g) => num(g.message)).sort((a, b) => a - b)).toEqual(alone.map((_, i) => i));
    const rest = alone.map((g) => g.message).filter((m) => m !== 'exit 7');
    expect(rest).toEqual([...rest].sort((a, b) => num(a) - num(b)));
    expect(order.indexOf(summaries.at(-1)!.message)).toBe(order.length - 1);
    expect(await spooled(stateDir, 'webhook')).toEqual([]);
  });

  it('a channel refusing every alert for good keeps at most outboxLimit dead letters, oldest dropped first, pages kept', async () => {
    const logs = logCollector();
    const limit = 10;
    const n = createNotifier(config([{ type: 'webhook', url: `${receiver.base}/webhook/a` }], { outboxLimit: limit }), {
      stateDir,
      clock: systemClock(),
      redactor: new Redactor(),
      log: logs.log,
    });
    h.notifiers.push(n);
    receiver.script(100_000, 404, { body: 'Unknown Webhook' });
    n.publish(event({ type: 'incident.escalated', level: 4, service: 's0', incidentId: 'inc-s0', message: 'page 0' }));
    for (let i = 0; i < 40; i++) {
      n.publish(event({ type: 'service.exited', severity: 'warning', service: `s${i}`, incidentId: `inc-s${i}`, message: `exit ${i}` }));
      await receiver.waitFor(() => receiver.requests.length >= i + 2, 10_000, `refusal of alert ${i}`);
    }
    await n.flush(10_000);
    await receiver.waitFor(() => n.deadLetters()['webhook']! >= limit, 10_000, 'dead letters');
    expect(n.deadLetters()['webhook']).toBeLessThanOrEqual(limit + 1);
    const files = await spooled(stateDir, 'webhook');
    expect(files.length).toBeLessThanOrEqual(limit + 1);
    expect(files.length).toBeGreaterThanOrEqual(limit);
    expect(logs.lines.some((l) => l.includes('the oldest one was dropped'))).toBe(true);
    // The page is among the kept ones.
    receiver.clearScript();
    n.retryDeadLetters('webhook');
    await receiver.waitFor(() => n.outboxDepth() === 0, 20_000, 'retried dead letters');
    const got = receiver.of('webhook').map((m) => m.json as Hook);
    expect(got.map((g) => g.message)).toContain('page 0');
    expect(got.map((g) => g.message)).toContain('exit 39');
    expect(got.map((g) => g.message)).not.toContain('exit 0');
  });
});
