// Series set only by events (a breaker trip, an incident, a memory reading) of an instance removed before any scrape
// gauged it are dropped with it: a scale down left clawback_breaker_open{service="web:2"} 1 exported for ever.
import { describe, expect, it } from 'vitest';
import type { ClawbackEvent, EventType } from '../../src/observe/events.js';
import { createMetrics } from '../../src/observe/metrics.js';

const ev = (type: EventType, service: string, extra: Partial<ClawbackEvent> = {}): ClawbackEvent =>
  ({ type, time: 1_700_000_000_000, severity: 'warning', service, message: type, ...extra }) as ClawbackEvent;

describe('metrics of an instance removed between two scrapes', () => {
  it('drops its breaker, open-incident and memory series though no scrape ever set its gauges', async () => {
    const m = createMetrics();
    try {
      // web:2 could not bind its port (a stranger holds it): held at Level 4, breaker open; then `clawback scale web 2`.
      m.onEvent(ev('incident.opened', 'web:2', { incidentId: 'inc-2', level: 0, details: { reason: 'preflight' } }));
      m.onEvent(ev('breaker.tripped', 'web:2', { details: { reason: 'preflight', detail: 'port in use' } }));
      m.onEvent(ev('memory.warning', 'web:2', { details: { rssBytes: 123_456 } } as Partial<ClawbackEvent>));
      m.onEvent(ev('incident.resolved', 'web:2', { incidentId: 'inc-2', details: { highestLevel: 4, outcome: 'escalated', closedBy: 'removed' } } as Partial<ClawbackEvent>));
      m.setServiceGauges('web:0', { up: true, breakerOpen: false });
      m.retainServices(new Map([['web:0', undefined]]));

      const text = await m.render();
      const gauges = text.split('\n').filter((l) => l.includes('service="web:2"') && !l.startsWith('clawback_incidents_total'));
      expect(gauges).toEqual([]);
      expect(text).toContain('clawback_service_up{service="web:0"} 1');
    } finally {
      m.stop();
    }
  });
});
