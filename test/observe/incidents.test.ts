import { describe, expect, it } from 'vitest';
import type { ClawbackEvent, EventType, Level } from '../../src/observe/events.js';
import { summarizeIncidents } from '../../src/observe/incidents.js';

function ev(type: EventType, time: number, extra: Partial<ClawbackEvent> & { level?: Level } = {}): ClawbackEvent {
  return { type, time, severity: 'info', message: type, service: 'gw', ...extra };
}

describe('summarizeIncidents', () => {
  const events: ClawbackEvent[] = [
    ev('service.started', 0),
    ev('service.exited', 1000, { details: { code: 1, signal: null, uptimeMs: 1000, expected: false } }),
    ev('incident.opened', 1000, { incidentId: 'a', level: 0, details: { reason: 'exited with code 1' } }),
    ev('service.restarting', 1100, { level: 0, details: { reason: 'exit' } }),
    ev('incident.resolved', 2500, { incidentId: 'a', details: { ttrMs: 1500, highestLevel: 0, outcome: 'auto-resolved' } }),
    ev('service.restarting', 2600, { level: 0, details: { reason: 'manual' } }), // after 'a' closed: belongs to none
    ev('incident.opened', 10_000, { incidentId: 'b', level: 1, details: { reason: 'probe health failed' } }),
    ev('incident.level', 12_000, { incidentId: 'b', level: 2 }),
    ev('incident.action', 12_100, { incidentId: 'b', details: { action: 'restore last-known-good config' } }),
    ev('incident.action', 12_200, { incidentId: 'b', details: { action: 'openclaw doctor --fix' } }),
    ev('incident.level', 20_000, { incidentId: 'b', level: 3 }),
    ev('breaker.tripped', 30_000),
    ev('incident.escalated', 30_000, { incidentId: 'b', level: 4, details: { reason: 'agent failed' } }),
    ev('incident.opened', 15_000, { incidentId: 'c', service: 'worker', level: 0, details: { reason: 'killed by SIGKILL' } }),
    // 'd' started before the journal window: only its resolution is here.
    ev('incident.resolved', 40_000, { incidentId: 'd', service: 'worker', details: { ttrMs: 90_000, highestLevel: 2, outcome: 'auto-resolved' } }),
  ];

  it('folds events into one record per incident', () => {
    const list = summarizeIncidents(events);
    expect(list.map((i) => i.id)).toEqual(['a', 'b', 'c', 'd']);
    const [a, b, c, d] = list;
    expect(a).toMatchObject({ service: 'gw', openedAt: 1000, closedAt: 2500, status: 'resolved', outcome: 'auto-resolved', highestLevel: 0, ttrMs: 1500, reason: 'exited with code 1', escalated: false, actions: [] });
    expect(a!.timeline.map((e) => e.type)).toEqual(['incident.opened', 'service.restarting', 'incident.resolved']);
    expect(b).toMatchObject({ service: 'gw', openedAt: 10_000, status: 'escalated', outcome: 'escalated', highestLevel: 4, escalated: true, reason: 'probe health failed' });
    expect(b!.closedAt).toBeUndefined();
    expect(b!.ttrMs).toBeUndefined();
    expect(b!.actions).toEqual(['restore last-known-good config', 'openclaw doctor --fix']);
    expect(b!.timeline.map((e) => e.type)).toContain('breaker.tripped');
    expect(b!.timeline.map((e) => e.type)).not.toContain('service.started');
    expect(c).toMatchObject({ service: 'worker', status: 'open', outcome: 'open', highestLevel: 0, reason: 'killed by SIGKILL' });
    expect(d).toMatchObject({ service: 'worker', openedAt: 40_000, status: 'resolved', ttrMs: 90_000, highestLevel: 2, reason: 'unknown' });
  });

  it('marks an escalated incident that a human fixed', () => {
    const more = [...events, ev('breaker.resumed', 50_000), ev('incident.resolved', 55_000, { incidentId: 'b', details: { ttrMs: 45_000, highestLevel: 4, outcome: 'human-resolved' } })];
    const b = summarizeIncidents(more).find((i) => i.id === 'b')!;
    expect(b).toMatchObject({ status: 'resolved', outcome: 'human-resolved', escalated: true, closedAt: 55_000, ttrMs: 45_000, highestLevel: 4 });
  });

  it('is pure and order-independent', () => {
    const copy = structuredClone(events);
    const shuffled = [...events].reverse();
    const x = summarizeIncidents(events);
    const y = summarizeIncidents(shuffled);
    expect(y.map((i) => [i.id, i.status, i.highestLevel])).toEqual(x.map((i) => [i.id, i.status, i.highestLevel]));
    expect(events).toEqual(copy);
    expect(summarizeIncidents([])).toEqual([]);
  });
});
