// Dedup by meaning: a crash loop's identical exits (only the uptime differs) are one alert inside the window.
import { describe, expect, it } from 'vitest';
import { createNotifier, type Notifier } from '../../src/notify/dispatcher.js';
import { DedupWindow } from '../../src/notify/dedup.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import type { ClawbackEvent } from '../../src/observe/events.js';
import { config, receiverPerTest } from './helpers.js';

/** A service.exited as the reducer words it. */
function exited(uptimeMs: number, over: { code?: number | null; signal?: string | null; note?: string; incidentId?: string } = {}): ClawbackEvent {
  const code = over.code === undefined ? 3 : over.code;
  const signal = over.signal ?? null;
  const how = signal ? `signal ${signal}` : `exit code ${code}`;
  return {
    type: 'service.exited',
    time: Date.now(),
    severity: 'warning',
    service: 'svc',
    incidentId: over.incidentId ?? 'inc-1',
    message: `svc exited with ${how} after ${uptimeMs} ms${over.note ?? ''}`,
    details: { code: signal ? null : code, signal, uptimeMs, expected: false },
  };
}

describe('dedup by meaning', () => {
  const h = receiverPerTest();

  it('a crash loop in every-event mode: one alert for the same exit, one per different exit', async () => {
    const n = createNotifier(config([{ type: 'webhook', url: `${h.receiver.base}/webhook/a` }], { dedupWindow: 60_000 }), { stateDir: h.stateDir, clock: systemClock(), redactor: new Redactor() });
    h.notifiers.push(n);
    for (const e of [
      exited(4201),
      exited(3740),
      exited(4000),
      exited(3999, { code: 1 }),
      exited(120, { code: null, signal: 'SIGSEGV' }),
      exited(4100, { note: ' (maintenance: not restarted)' }),
      exited(4201, { incidentId: 'inc-2' }),
    ])
      n.publish(e);
    await n.flush(5000);
    expect(h.receiver.of('webhook').map((m) => (m.json as ClawbackEvent).message)).toEqual([
      'svc exited with exit code 3 after 4201 ms',
      'svc exited with exit code 1 after 3999 ms',
      'svc exited with signal SIGSEGV after 120 ms',
      'svc exited with exit code 3 after 4100 ms (maintenance: not restarted)',
      'svc exited with exit code 3 after 4201 ms',
    ]);
    expect(n.stats().suppressed).toBe(2);
  });

  it('other events still need the same text to be the same fact', () => {
    const d = new DedupWindow(1000);
    const base = { type: 'service.restart-scheduled' as const, service: 'svc', incidentId: 'inc-1', details: { delayMs: 117, attempt: 2 } };
    expect(d.admit({ ...base, message: 'restarting svc in 117 ms (attempt 2)' }, 0)).toBe(true);
    expect(d.admit({ ...base, message: 'restarting svc in 180 ms (attempt 3)', details: { delayMs: 180, attempt: 3 } }, 10)).toBe(true);
    expect(d.admit({ ...base, message: 'restarting svc in 117 ms (attempt 2)' }, 20)).toBe(false);
  });
});
