// One reducer policy for the table tests (decide, placement, readiness scopes): each test overrides what it is about.
import type { ServicePolicy } from '../../src/decide/policy.js';

export function testPolicy(over: Partial<ServicePolicy> = {}): ServicePolicy {
  return {
    name: 'gw',
    restartPolicy: 'always',
    backoff: { initial: 100, max: 1000, multiplier: 2, jitter: 0 },
    stableAfterMs: 10_000,
    intensity: { maxRestarts: 3, window: 60_000 },
    preventExitCodes: [78],
    coolDownMs: 0,
    maintenanceReminderMs: 0,
    stopGraceMs: 1000,
    hangGraceMs: 100,
    drainGraceMs: 1000,
    scopedRestart: null,
    doctorAttempts: 2,
    doctorTimeoutMs: 5000,
    confirmAfterMs: 2000,
    doctorVerifyWindowMs: 2000,
    startupGraceMs: 0,
    flapping: { windowMs: 600_000, maxRecurrences: 10 },
    agent: null,
    external: false,
    ...over,
  };
}
