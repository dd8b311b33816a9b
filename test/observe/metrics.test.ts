import { afterEach, describe, expect, it } from 'vitest';
import type { ClawbackEvent, EventType, Level } from '../../src/observe/events.js';
import { createMetrics, type Metrics } from '../../src/observe/metrics.js';
import { latenessRecordingClock, systemClock } from '../../src/platform/clock.js';
import { metricTypes, parseExposition, sample } from './exposition.js';

const T0 = 1_700_000_000_000;

function ev(type: EventType, extra: Partial<ClawbackEvent> & { level?: Level } = {}): ClawbackEvent {
  return { type, time: T0, severity: 'info', message: type, service: 'gw', ...extra };
}

const started: Metrics[] = [];
function make(version?: string): Metrics {
  const m = createMetrics(version === undefined ? {} : { version });
  started.push(m);
  return m;
}

afterEach(() => {
  for (const m of started.splice(0)) m.stop();
});

describe('createMetrics', () => {
  it('counts a scripted incident sequence from events', async () => {
    const m = make('1.2.3');
    // Incident 1: exit, one restart, auto-resolved after 1.5 s.
    m.onEvent(ev('service.exited', { details: { code: 1, signal: null, uptimeMs: 5000, expected: false } }));
    m.onEvent(ev('incident.opened', { incidentId: 'i1', level: 0, details: { reason: 'exit' } }));
    m.onEvent(ev('service.restart-scheduled', { level: 0, details: { reason: 'exit', delayMs: 0, attempt: 1 } }));
    m.onEvent(ev('service.restarting', { level: 0, details: { reason: 'exit', attempt: 1 } }));
    let s = parseExposition(await m.render());
    expect(sample(s, 'clawback_incidents_open', { service: 'gw' })).toBe(1);
    m.onEvent(ev('incident.resolved', { incidentId: 'i1', details: { ttrMs: 1500, highestLevel: 0, outcome: 'auto-resolved' } }));

    // Incident 2: probe failures, doctor, breaker trip, escalation to a human.
    m.onEvent(ev('incident.opened', { incidentId: 'i2', level: 1, details: { reason: 'probe' } }));
    m.onEvent(ev('service.restarting', { level: 1, details: { reason: 'probe' } }));
    m.onEvent(ev('service.restarting', { level: 1, details: { reason: 'probe' } }));
    m.onEvent(ev('incident.level', { incidentId: 'i2', level: 2 }));
    m.onEvent(ev('incident.action', { incidentId: 'i2', details: { action: 'restore last-known-good config' } }));
    m.onEvent(ev('service.restarting', { level: 2, details: { reason: 'doctor' } }));
    m.onEvent(ev('incident.level', { incidentId: 'i2', level: 3 }));
    m.onEvent(ev('agent.started', { incidentId: 'i2', details: { adapter: 'claude-code' } }));
    m.onEvent(ev('agent.finished', { incidentId: 'i2', details: { adapter: 'claude-code', outcome: 'failed' } }));
    m.onEvent(ev('breaker.tripped'));
    m.onEvent(ev('incident.escalated', { incidentId: 'i2', level: 4, details: { reason: 'agent failed' } }));
    m.onEvent(ev('memory.warning', { details: { rssBytes: 123_456_789, warnBytes: 100_000_000 } }));

    s = parseExposition(await m.render());
    expect(sample(s, 'clawback_restarts_total', { service: 'gw', level: '0', reason: 'exit' })).toBe(1);
    expect(sample(s, 'clawback_restarts_total', { service: 'gw', level: '1', reason: 'probe' })).toBe(2);
    expect(sample(s, 'clawback_restarts_total', { service: 'gw', level: '2', reason: 'doctor' })).toBe(1);
    expect(sample(s, 'clawback_incidents_total', { service: 'gw', outcome: 'auto-resolved', highest_level: '0' })).toBe(1);
    expect(sample(s, 'clawback_incidents_total', { service: 'gw', outcome: 'escalated', highest_level: '4' })).toBe(1);
    expect(sample(s, 'clawback_incidents_open', { service: 'gw' })).toBe(1);
    expect(sample(s, 'clawback_time_to_recover_seconds_count', { service: 'gw' })).toBe(1);
    expect(sample(s, 'clawback_time_to_recover_seconds_sum', { service: 'gw' })).toBe(1.5);
    expect(sample(s, 'clawback_time_to_recover_seconds_bucket', { service: 'gw', le: '1' })).toBe(0);
    expect(sample(s, 'clawback_time_to_recover_seconds_bucket', { service: 'gw', le: '2.5' })).toBe(1);
    expect(sample(s, 'clawback_time_to_recover_seconds_bucket', { service: 'gw', le: '3600' })).toBe(1);
    expect(sample(s, 'clawback_breaker_open', { service: 'gw' })).toBe(1);
    expect(sample(s, 'clawback_emergency_runs_total', { service: 'gw', adapter: 'claude-code', outcome: 'failed' })).toBe(1);
    expect(sample(s, 'clawback_service_memory_rss_bytes', { service: 'gw' })).toBe(123_456_789);
    expect(sample(s, 'clawback_build_info', { version: '1.2.3' })).toBe(1);

    // The human fixes it: the incident closes without being counted a second time.
    m.onEvent(ev('breaker.resumed'));
    m.onEvent(ev('incident.resolved', { incidentId: 'i2', details: { ttrMs: 60_000, highestLevel: 4, outcome: 'human-resolved' } }));
    s = parseExposition(await m.render());
    expect(sample(s, 'clawback_breaker_open', { service: 'gw' })).toBe(0);
    expect(sample(s, 'clawback_incidents_open', { service: 'gw' })).toBe(0);
    expect(sample(s, 'clawback_incidents_total', { service: 'gw', outcome: 'escalated', highest_level: '4' })).toBe(1);
    expect(sample(s, 'clawback_incidents_total', { service: 'gw', outcome: 'human-resolved', highest_level: '4' })).toBeUndefined();
    expect(sample(s, 'clawback_time_to_recover_seconds_count', { service: 'gw' })).toBe(2);
    expect(sample(s, 'clawback_time_to_recover_seconds_sum', { service: 'gw' })).toBe(61.5);
    expect(sample(s, 'clawback_time_to_recover_seconds_bucket', { service: 'gw', le: '30' })).toBe(1);
    expect(sample(s, 'clawback_time_to_recover_seconds_bucket', { service: 'gw', le: '60' })).toBe(2);

    // A repeated or unknown resolution never drives the open gauge negative.
    m.onEvent(ev('incident.resolved', { incidentId: 'i2', details: { ttrMs: 60_000, outcome: 'human-resolved' } }));
    s = parseExposition(await m.render());
    expect(sample(s, 'clawback_incidents_open', { service: 'gw' })).toBe(0);
  });

  it('records probes, service gauges, the outbox and notifier deliveries', async () => {
    const m = make();
    m.observeProbe('gw', 'health', 'http', { status: 'success', latencyMs: 12 });
    m.observeProbe('gw', 'health', 'http', { status: 'failure', latencyMs: 3000 });
    m.observeProbe('gw', 'port', 'tcp', { status: 'success', latencyMs: 1 });
    m.observeProbe('gw', 'port', 'tcp', { status: 'unknown' });
    m.setServiceGauges('gw', { up: true, breakerOpen: false, rssBytes: 50_000_000, memoryLimitBytes: 500_000_000 });
    m.setServiceGauges('worker', { up: false, breakerOpen: true });
    m.setOutboxDepth(7);
    m.notifierDelivery('discord', true);
    m.notifierDelivery('discord', true);
    m.notifierDelivery('slack', false);
    const text = await m.render();
    const s = parseExposition(text);
    expect(sample(s, 'clawback_probe_healthy', { service: 'gw', probe: 'health', kind: 'http' })).toBe(0);
    expect(sample(s, 'clawback_probe_healthy', { service: 'gw', probe: 'port', kind: 'tcp' })).toBe(1);
    expect(sample(s, 'clawback_probe_duration_seconds_count', { service: 'gw', probe: 'health', kind: 'http' })).toBe(2);
    expect(sample(s, 'clawback_probe_duration_seconds_sum', { service: 'gw', probe: 'health', kind: 'http' })).toBeCloseTo(3.012, 9);
    expect(sample(s, 'clawback_probe_duration_seconds_count', { service: 'gw', probe: 'port', kind: 'tcp' })).toBe(1);
    expect(sample(s, 'clawback_service_up', { service: 'gw' })).toBe(1);
    expect(sample(s, 'clawback_service_up', { service: 'worker' })).toBe(0);
    expect(sample(s, 'clawback_breaker_open', { service: 'worker' })).toBe(1);
    expect(sample(s, 'clawback_service_memory_rss_bytes', { service: 'gw' })).toBe(50_000_000);
    expect(sample(s, 'clawback_service_memory_limit_bytes', { service: 'gw' })).toBe(500_000_000);
    expect(sample(s, 'clawback_notify_outbox_depth')).toBe(7);
    expect(sample(s, 'clawback_notifications_total', { channel: 'discord', result: 'delivered' })).toBe(2);
    expect(sample(s, 'clawback_notifications_total', { channel: 'slack', result: 'failed' })).toBe(1);
    expect(sample(s, 'clawback_build_info', { version: 'unknown' })).toBe(1);
    expect(sample(s, 'clawback_daemon_resident_memory_bytes')).toBeGreaterThan(1_000_000);
    expect(sample(s, 'clawback_daemon_cpu_seconds_total')).toBeGreaterThan(0);
    expect(sample(s, 'clawback_daemon_event_loop_lag_seconds')).toBeGreaterThanOrEqual(0);
    const types = metricTypes(text);
    expect(types.get('clawback_daemon_cpu_seconds_total')).toBe('counter');
    expect(types.get('clawback_time_to_recover_seconds')).toBe('histogram');
    expect([...types.keys()].every((n) => n.startsWith('clawback_'))).toBe(true);
    expect(m.contentType).toContain('text/plain');
  });

  it('keeps two instances apart in one process', async () => {
    const a = make('a');
    const b = make('b');
    a.onEvent(ev('service.restarting', { level: 0, details: { reason: 'exit' } }));
    a.setOutboxDepth(3);
    const sa = parseExposition(await a.render());
    const sb = parseExposition(await b.render());
    expect(sample(sa, 'clawback_restarts_total', { service: 'gw', level: '0', reason: 'exit' })).toBe(1);
    expect(sample(sb, 'clawback_restarts_total', { service: 'gw', level: '0', reason: 'exit' })).toBeUndefined();
    expect(sample(sa, 'clawback_notify_outbox_depth')).toBe(3);
    expect(sample(sb, 'clawback_notify_outbox_depth')).toBe(0);
    expect(sample(sa, 'clawback_build_info', { version: 'a' })).toBe(1);
    expect(sample(sb, 'clawback_build_info', { version: 'a' })).toBeUndefined();
    expect(sample(sb, 'clawback_build_info', { version: 'b' })).toBe(1);
    expect(a.registry).not.toBe(b.registry);
  });

  it('reports how late the daemon clock\'s timers ran (the event-loop lag), worst in the last minute, and stops idempotently', async () => {
    const clock = latenessRecordingClock(systemClock());
    const m = createMetrics({ loopLag: () => clock.worstLateMs() });
    started.push(m);
    // A timer due in 50 ms, and the loop blocked for 300 ms: the timer runs about 250 ms late.
    const ran = new Promise<void>((r) => clock.setTimeout(r, 50));
    const until = Date.now() + 300;
    while (Date.now() < until) {
      // Block the event loop on purpose.
    }
    await ran;
    const s = parseExposition(await m.render());
    expect(sample(s, 'clawback_daemon_event_loop_lag_seconds')).toBeGreaterThan(0.2);
    expect(sample(s, 'clawback_daemon_event_loop_lag_seconds')).toBeLessThan(1);
    // A read consumes nothing: a timer that ran on time since then leaves the next scrape the same spike.
    await new Promise<void>((r) => clock.setTimeout(r, 20));
    expect(sample(parseExposition(await m.render()), 'clawback_daemon_event_loop_lag_seconds')).toBeGreaterThan(0.2);
    const late = new Promise<void>((r) => clock.setTimeout(r, 10));
    const again = Date.now() + 200;
    while (Date.now() < again) {
      // Block again, then stop: a stopped registry reads 0.
    }
    await late;
    m.stop();
    m.stop();
    expect(sample(parseExposition(await m.render()), 'clawback_daemon_event_loop_lag_seconds')).toBe(0);
  });

  it('reads 0 lag without a source (a registry outside the daemon)', async () => {
    expect(sample(parseExposition(await make().render()), 'clawback_daemon_event_loop_lag_seconds')).toBe(0);
  });
});
