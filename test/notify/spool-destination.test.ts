// A spooled alert goes only to the destination it was queued for: channels named by position (`slack-1`, `slack-2`) shift
// names when one is removed, and the first one's undelivered alerts were sent to the second one's URL (other people).
import { beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createNotifier, type Notifier } from '../../src/notify/dispatcher.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import { Receiver } from './receiver.js';
import { config, event, logCollector, receiversPerTest } from './helpers.js';

describe('spooled alerts and a channel that took another one\'s name', () => {
  const bed = receiversPerTest(2);
  const notifiers = bed.notifiers;
  let teamA: Receiver;
  let teamB: Receiver;
  let dir: string;
  beforeEach(() => {
    [teamA, teamB] = bed.receivers as [Receiver, Receiver];
    dir = bed.stateDir;
  });

  it('keeps the removed channel\'s alerts stranded instead of sending them to the channel that inherited its name', async () => {
    const three = config([
      { type: 'slack', url: `${teamA.base}/slack/team-a` },
      { type: 'slack', url: `${teamB.base}/slack/team-b` },
      { type: 'slack', url: `${teamB.base}/slack/team-c` },
    ]);
    const first = createNotifier(three, { stateDir: dir, clock: systemClock(), redactor: new Redactor() });
    notifiers.push(first);
    await teamA.down();
    first.publish(event({ incidentId: 'inc-a', message: 'meant for team A only' }));
    await teamB.waitFor(() => teamB.of('slack').length >= 2, 15_000, 'teams B and C get their copies');
    // Their files go once the answers are read: stopped before that, they are sent again (at least once) by the next run.
    await first.flush(5_000);
    await first.stop();
    expect(readdirSync(path.join(dir, 'outbox', 'slack-1')).filter((f) => f.endsWith('.json'))).toHaveLength(1);

    // Team A's channel is removed: team B's channel is `slack-1` now, team C's `slack-2`.
    await teamA.up();
    const onlyB = config([
      { type: 'slack', url: `${teamB.base}/slack/team-b` },
      { type: 'slack', url: `${teamB.base}/slack/team-c` },
    ]);
    const warnings = logCollector();
    const second = createNotifier(onlyB, { stateDir: dir, clock: systemClock(), redactor: new Redactor(), warn: warnings.log });
    notifiers.push(second);
    second.publish(event({ incidentId: 'inc-b', message: 'a new alert for team B' }));
    await teamB.waitFor(() => teamB.of('slack').some((m) => m.text.includes('a new alert for team B')), 15_000, 'the new alert');
    await second.flush(5_000);
    expect(teamB.of('slack').filter((m) => m.text.includes('meant for team A only'))).toHaveLength(2); // B's and C's own copies only
    expect(teamB.of('slack').filter((m) => m.path === '/slack/team-b' && m.text.includes('meant for team A only'))).toHaveLength(1);
    expect(teamA.of('slack')).toHaveLength(0);
    // (A notice about team A's outage spooled for B or C just before the stop is kept the same way: a load-dependent extra.)
    expect(second.stranded()['slack-1']).toBe(1);
    expect(warnings.lines.some((l) => l.includes('slack-1') && l.includes('another destination'))).toBe(true);
    // Kept on disk as evidence, never deleted unseen.
    expect(readdirSync(path.join(dir, 'outbox', 'slack-1')).filter((f) => /^\d+\.json$/.test(f))).toHaveLength(1);
  }, 40_000);

  it('delivers them when the same destination comes back under that name', async () => {
    const cfg = config([{ type: 'webhook', url: `${teamA.base}/webhook/a` }]);
    const first = createNotifier(cfg, { stateDir: dir, clock: systemClock(), redactor: new Redactor() });
    notifiers.push(first);
    await teamA.down();
    first.publish(event({ incidentId: 'inc-a', message: 'queued while down' }));
    await first.stop();
    await teamA.up();
    const second = createNotifier(cfg, { stateDir: dir, clock: systemClock(), redactor: new Redactor() });
    notifiers.push(second);
    await teamA.waitFor(() => teamA.of('webhook').some((m) => m.text.includes('queued while down')), 15_000, 'the spooled alert');
    expect(second.stranded()).toEqual({});
  }, 40_000);

  it('an alert spooled before the upgrade (no fingerprint) under an explicit name is delivered; under a position name it is kept', async () => {
    const legacy = (channel: string, message: string): void => {
      const box = path.join(dir, 'outbox', channel);
      mkdirSync(box, { recursive: true });
      const e = event({ incidentId: `inc-${channel}`, message });
      writeFileSync(path.join(box, `${String(channel === 'ops' ? 1 : 2).padStart(12, '0')}.json`), JSON.stringify({ v: 1, seq: 0, channel, kind: 'event', event: e, createdAt: Date.now() }));
    };
    legacy('ops', 'old alert for ops');
    legacy('webhook-2', 'old alert for webhook-2');
    const cfg = config([
      { type: 'webhook', name: 'ops', url: `${teamA.base}/webhook/ops` },
      { type: 'webhook', url: `${teamB.base}/webhook/one` },
      { type: 'webhook', url: `${teamB.base}/webhook/two` },
    ]);
    const warnings = logCollector();
    const n = createNotifier(cfg, { stateDir: dir, clock: systemClock(), redactor: new Redactor(), warn: warnings.log });
    notifiers.push(n);
    await teamA.waitFor(() => teamA.of('webhook').some((m) => m.text.includes('old alert for ops')), 15_000, 'the explicit-name legacy alert');
    await n.flush(5_000);
    expect(teamB.of('webhook').filter((m) => m.text.includes('old alert'))).toHaveLength(0);
    expect(n.stranded()).toEqual({ 'webhook-2': 1 });
    expect(warnings.lines.some((l) => l.includes('webhook-2') && l.includes('before'))).toBe(true);
    expect(JSON.parse(readFileSync(path.join(dir, 'outbox', 'webhook-2', '000000000002.json'), 'utf8')).event.message).toBe('old alert for webhook-2');
  }, 40_000);

  it('follows a kept channel whose name changed: `webhook` became `webhook-1` when a second one was added', async () => {
    // Before: its alerts were kept as stranded ("removed: webhook") though the same URL was still configured.
    const one = config([{ type: 'webhook', url: `${teamA.base}/webhook/a` }]);
    const first = createNotifier(one, { stateDir: dir, clock: systemClock(), redactor: new Redactor() });
    notifiers.push(first);
    await teamA.down();
    first.publish(event({ incidentId: 'inc-a', message: 'queued for A while down' }));
    await first.stop();
    expect(readdirSync(path.join(dir, 'outbox', 'webhook')).filter((f) => /^\d+\.json$/.test(f))).toHaveLength(1);

    await teamA.up();
    const two = config([
      { type: 'webhook', url: `${teamA.base}/webhook/a` },
      { type: 'webhook', url: `${teamB.base}/webhook/b` },
    ]);
    const second = createNotifier(two, { stateDir: dir, clock: systemClock(), redactor: new Redactor() });
    notifiers.push(second);
    await teamA.waitFor(() => teamA.of('webhook').some((m) => m.text.includes('queued for A while down')), 15_000, 'the spooled alert under its new name');
    await second.flush(5_000);
    expect(second.stranded()).toEqual({});
    // Only A's people get it, once; the new channel does not.
    expect(teamA.of('webhook').filter((m) => m.text.includes('queued for A while down'))).toHaveLength(1);
    expect(teamB.of('webhook').filter((m) => m.text.includes('queued for A while down'))).toHaveLength(0);
  }, 40_000);
});
