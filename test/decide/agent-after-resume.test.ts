// A person's resume after a failed agent run gives the service a fresh start, not the agent a fresh paid run.
import { describe, expect, it } from 'vitest';
import { initialState, normalizeState } from '../../src/decide/service-state.js';
import type { ServicePolicy } from '../../src/decide/policy.js';
import { testPolicy } from './policy-fixture.js';
import { ReducerDrive } from './drive.js';

const AGENT = { timeBoxMs: 60_000, verifyWindowMs: 5000, budgetRuns: 3, budgetWindowMs: 86_400_000, approval: 'none' as const, approvalTimeoutMs: 60_000 };
const WINDOW = 60_000;

function policy(over: Partial<ServicePolicy> = {}): ServicePolicy {
  return testPolicy({ doctorAttempts: 1, confirmAfterMs: 1000, flapping: { windowMs: WINDOW, maxRecurrences: 1 }, agent: AGENT, ...over });
}

/**
 * A slow flapper: healthy 300 ms after each start, the incident resolves after the confirm time, it dies 3 s after
 * the start. Each doctor finds nothing, each agent run fails (its files put back), and at Level 4 a person resumes.
 * Runs until `resumes` resumes were made; returns the drive and the time.
 */
function flapAndResume(d: ReducerDrive, resumes: number, from = 0): { now: number } {
  let now = from;
  let pid = d.state.instance?.pid ?? 100;
  let made = 0;
  const start = (): void => {
    pid++;
    d.at(now, { type: 'started', instance: { pid, pidStartTime: 1, startedAt: now }, reason: 'exit' });
  };
  if (d.state.phase !== 'running') {
    d.at(now, { type: 'boot', adopted: null });
    start();
  }
  for (let guard = 0; guard < 100 && made < resumes; guard++) {
    d.at(now + 300, { type: 'healthy', pid });
    d.at(now + 1500, { type: 'tick' });
    now += 3000;
    d.at(now, { type: 'exited', pid, code: 1, signal: null, at: now, statusKnown: true });
    if (d.state.work?.kind === 'doctor') d.at((now += 100), { type: 'doctor-done', runId: d.state.work.id, outcome: 'nothing-found', summary: 'no problem found' });
    if (d.state.work?.kind === 'agent') {
      const run = d.state.work.id;
      d.at((now += 100), { type: 'agent-done', runId: run, outcome: 'failed', summary: 'exited 1', detail: 'exited 1' });
      d.at((now += 10), { type: 'agent-reverted', runId: run });
    }
    if (d.state.incident?.status === 'waiting-human') {
      d.at((now += 1000), { type: 'request', action: 'resume', by: 'human' });
      made++;
    } else if (d.state.phase === 'backoff') {
      now = d.state.nextStartAt!;
      d.at(now, { type: 'tick' });
    }
    expect(d.state.phase).toBe('starting');
    start();
  }
  expect(made).toBe(resumes);
  return { now };
}

const agentRuns = (d: ReducerDrive): number => d.effects.filter((e) => e.type === 'run-agent').length;

describe("a person's resume after a failed Level 3 run", () => {
  it('three resumes of a flapping service spend one agent run, not three; each Level 4 says why none ran', () => {
    const d = new ReducerDrive(policy());
    flapAndResume(d, 3);
    // The first trip: doctor, agent, human. After each resume the series starts fresh and trips again: doctor, human.
    expect(agentRuns(d)).toBe(1);
    expect(d.state.agentRuns).toHaveLength(1);
    const escalated = d.events('incident.escalated');
    expect(escalated).toHaveLength(3);
    const first = escalated[0]!.incidentId;
    for (const e of escalated.slice(1)) {
      expect(e.message).toContain(`the agent did not fix this failure in incident ${first}`);
      expect(e.message).toContain('no further paid run starts on its own');
      expect(e.message).not.toContain('budget');
    }
    // The resume itself started the service at once: no doctor between the resume and the start.
    const afterResume = d.effects.findIndex((e) => e.type === 'emit' && e.event.details?.['action'] === 'human-resume');
    expect(d.effects.slice(afterResume).find((e) => e.type !== 'emit')).toMatchObject({ type: 'start', reason: 'resume' });
  });

  it('once the service ran clean for the flapping window, a new failure may use the agent again (within its budget)', () => {
    const d = new ReducerDrive(policy());
    const { now } = flapAndResume(d, 1);
    expect(agentRuns(d)).toBe(1);
    // The resumed instance holds: the incident resolves, and the service runs clean for the window.
    const pid = d.state.instance!.pid;
    d.at(now + 300, { type: 'healthy', pid });
    d.at(now + 1500, { type: 'tick' });
    expect(d.state.incident).toBeNull();
    const later = now + 1500 + WINDOW + 1000;
    d.at(later, { type: 'tick' });
    d.at(later, { type: 'exited', pid, code: 1, signal: null, at: later, statusKnown: true });
    d.at(later, { type: 'started', instance: { pid: 900, pidStartTime: 1, startedAt: later }, reason: 'exit' });
    flapAndResume(d, 1, later);
    expect(agentRuns(d)).toBe(2);
    expect(d.state.agentTried?.incidentId).toBe(d.events('incident.escalated').at(-1)!.incidentId);
  });

  it('is remembered across a daemon restart and moves with a clock step', () => {
    const d = new ReducerDrive(policy());
    const { now } = flapAndResume(d, 1);
    const tried = structuredClone(d.state.agentTried!);
    expect(tried).toMatchObject({ lastResolvedAt: null });
    const { incident, ...record } = JSON.parse(JSON.stringify(d.state)) as typeof d.state;
    expect(normalizeState(record, incident, 'up').agentTried).toEqual(tried);
    d.at(now + 10, { type: 'clock-stepped', byMs: -3_600_000 });
    expect(d.state.agentTried!.at).toBe(tried.at - 3_600_000);
  });

  it('without an agent run in the failed incident nothing is remembered: the first agent run is not held back', () => {
    const d = new ReducerDrive(policy({ agent: null }));
    flapAndResume(d, 2);
    expect(d.state.agentTried ?? null).toBeNull();
  });
});

describe('the agent budget after the wall clock was set back while the daemon was down', () => {
  it('a paid run recorded "in the future" still counts (as made now), so it is no free run; it expires one window later', () => {
    const d = new ReducerDrive(policy({ agent: { ...AGENT, budgetRuns: 1 } }), { ...initialState('up'), agentRuns: [1_000_000 + 3_600_000] });
    // Booted at t=1 000 000 (an hour before that recorded run): the service fails past the doctor to a person.
    flapAndResume(d, 1, 1_000_000);
    expect(d.effects.filter((e) => e.type === 'run-agent')).toHaveLength(0);
    expect(d.events('incident.escalated').at(-1)!.message).toContain('the budget of 1 run(s) per');
    // Recorded as made when it was counted, the old run holds one budget window from then, not an hour more.
    expect(d.state.agentRuns).toHaveLength(1);
    expect(d.state.agentRuns[0]!).toBeLessThan(1_000_000 + 3_600_000);
  });
});
