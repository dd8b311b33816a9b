// The unknown-streak alert stays quiet while the probe is in its start-up grace or another probe already judges the service failing.
import { describe, expect, it } from 'vitest';
import { unknownStreakEvent, type UnknownStreaks } from '../../src/daemon/unknown-streak.js';
import type { ProbeTickReport } from '../../src/probes/probe-worker.js';

function report(n: number, status: 'unknown' | 'success' = 'unknown'): ProbeTickReport {
  return {
    name: 'readiness',
    kind: 'openclaw-readiness',
    action: 'notify',
    at: 1_000 * n,
    result: status === 'unknown' ? { status, message: 'connect ECONNREFUSED 127.0.0.1:18789' } : { status, message: 'ready' },
    durationMs: 1,
    consecutiveFailures: 0,
    consecutiveSuccesses: status === 'success' ? 1 : 0,
    consecutiveUnknowns: status === 'unknown' ? n : 0,
    verdict: 'pending',
    inGrace: false,
  } as unknown as ProbeTickReport;
}

describe('unknown-streak alert', () => {
  it('says nothing while quiet (grace, or another probe failing), then once when the streak outlasts it, then once when it judges again', () => {
    const alerted: UnknownStreaks = new Map();
    for (let n = 1; n <= 6; n++) expect(unknownStreakEvent('gw', report(n), 3, alerted, n * 1_000, true)).toBeUndefined();
    const opened = unknownStreakEvent('gw', report(7), 3, alerted, 7_000, false);
    expect(opened?.type).toBe('probe.unknown');
    expect(opened?.message).toContain('7 checks in a row');
    expect(unknownStreakEvent('gw', report(8), 3, alerted, 8_000, false)).toBeUndefined();
    expect(unknownStreakEvent('gw', report(1, 'success'), 3, alerted, 9_000, false)?.type).toBe('probe.known');
  });

  it('a streak that only ever ran while quiet ends without a probe.known', () => {
    const alerted: UnknownStreaks = new Map();
    for (let n = 1; n <= 5; n++) expect(unknownStreakEvent('gw', report(n), 3, alerted, n * 1_000, true)).toBeUndefined();
    expect(unknownStreakEvent('gw', report(1, 'success'), 3, alerted, 6_000, false)).toBeUndefined();
  });
});
