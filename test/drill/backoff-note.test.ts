// A trial's report says what the restart backoff did: immediate after a fresh start, or how long it waited (part of the TTR).
import { describe, expect, it } from 'vitest';
import { backoffNote } from '../../src/drill/backoff-note.js';
import type { ClawbackEvent } from '../../src/observe/events.js';

function ev(type: string, details: Record<string, unknown>, time = 1000): ClawbackEvent {
  return { type, time, service: 'gw', severity: 'info', message: type, details } as unknown as ClawbackEvent;
}

describe('backoffNote', () => {
  it('a hang trial from a calm state: one probe restart, at once', () => {
    expect(backoffNote([ev('service.unhealthy', { probe: 'health' }), ev('service.restarting', { reason: 'probe', delayMs: 0, attempt: 0 })])).toBe(
      'backoff: 1 restart, at once (attempt 1: the trial began with its backoff reset)',
    );
  });

  it('a trial that did not begin calm: the wait is named, counted once (restart-scheduled repeats a probe restart)', () => {
    const note = backoffNote([
      ev('service.restarting', { reason: 'memory', delayMs: 1200, attempt: 2 }),
      ev('service.restart-scheduled', { reason: 'memory', delayMs: 1200, attempt: 2 }),
    ]);
    expect(note).toBe('backoff: 1 restart, 1 waited 1.20 s in all (up to attempt 3, first at attempt 3); that wait is part of the time to recover');
  });

  it('exits: the scheduled delays, not the restarting line', () => {
    const note = backoffNote([
      ev('service.restart-scheduled', { reason: 'exit', delayMs: 0, attempt: 0 }),
      ev('service.restarting', { reason: 'exit', attempt: 0 }),
      ev('service.restart-scheduled', { reason: 'exit', delayMs: 100, attempt: 1 }),
      ev('service.restart-scheduled', { reason: 'exit', delayMs: 200, attempt: 2 }),
    ]);
    expect(note).toContain('backoff: 3 restarts, 2 waited 300 ms in all (up to attempt 3, first at attempt 1)');
  });

  it('no restart: no note', () => {
    expect(backoffNote([ev('service.unhealthy', { probe: 'readiness' })])).toBeUndefined();
  });
});
