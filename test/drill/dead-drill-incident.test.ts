// A drill killed mid-fault leaves an incident (no hold) behind: the next drill, taking over its lock, takes that over
// too, but never an incident from before the dead drill, one with work in flight, or a hold (decided elsewhere).
import { describe, expect, it } from 'vitest';
import { drillClaimSince, incidentLeftByDeadDrill } from '../../src/drill/dead-drill-hold.js';

const dead = { pid: 4242, acquiredAt: 1_000_000 } as Parameters<typeof incidentLeftByDeadDrill>[1];
const incident = (openedAt: number) => ({ id: 'inc-1', openedAt, level: 0, reason: 'process ended (signal SIGKILL)' }) as never;

describe('an incident a dead drill left', () => {
  it('is the dead drill\'s only when it opened after that drill took its lock, with no work in flight and no hold', () => {
    expect(incidentLeftByDeadDrill({ incident: incident(1_000_500), held: null, work: null }, dead)).toBe(true);
    expect(incidentLeftByDeadDrill({ incident: incident(999_000), held: null, work: null }, dead)).toBe(false);
    expect(incidentLeftByDeadDrill({ incident: incident(1_000_500), held: null, work: { kind: 'doctor' } as never }, dead)).toBe(false);
    expect(incidentLeftByDeadDrill({ incident: incident(1_000_500), held: { reason: 'crash-loop' } as never, work: null }, dead)).toBe(false);
    expect(incidentLeftByDeadDrill({ incident: incident(1_000_500), held: null, work: null }, undefined)).toBe(false);
    expect(incidentLeftByDeadDrill({ incident: null, held: null, work: null }, dead)).toBe(false);
  });

  it('a drill that took a dead drill over may lift what began since that drill\'s lock, and no earlier', () => {
    expect(drillClaimSince(2_000_000, dead)).toBe(1_000_000);
    expect(drillClaimSince(2_000_000, undefined)).toBe(2_000_000);
  });
});
