// One Level 3 run's restarts are bounded: a looping model asking restart_service every turn must not restart the service
// dozens of times inside its time-box; past the bound the reducer refuses (said once) and the run goes on to its end.
import { describe, expect, it } from 'vitest';
import { AGENT_RESTARTS_PER_RUN } from '../../src/decide/policy.js';
import { testPolicy } from './policy-fixture.js';
import { ReducerDrive } from './drive.js';

const AGENT = { timeBoxMs: 600_000, verifyWindowMs: 5000, budgetRuns: 3, budgetWindowMs: 86_400_000, approval: 'none' as const, approvalTimeoutMs: 60_000 };

/** Crashes the service until the ladder reaches a Level 3 run; returns the time and the run's id. */
function toAgentRun(d: ReducerDrive): { now: number; runId: string } {
  let now = 0;
  let pid = 100;
  d.at(now, { type: 'boot', adopted: null });
  for (let guard = 0; guard < 100 && d.state.work?.kind !== 'agent'; guard++) {
    if (d.state.phase === 'starting') d.at(now, { type: 'started', instance: { pid: ++pid, pidStartTime: 1, startedAt: now }, reason: 'exit' });
    if (d.state.phase === 'running') d.at((now += 100), { type: 'exited', pid, code: 1, signal: null, at: now, statusKnown: true });
    if (d.state.work?.kind === 'doctor') d.at((now += 100), { type: 'doctor-done', runId: d.state.work.id, outcome: 'nothing-found', summary: 'no problem found' });
    if (d.state.phase === 'backoff') d.at((now = d.state.nextStartAt!), { type: 'tick' });
  }
  expect(d.state.work?.kind).toBe('agent');
  return { now, runId: d.state.work!.id };
}

describe("a Level 3 run's restarts", () => {
  it(`are carried out up to ${AGENT_RESTARTS_PER_RUN} a run, then refused with one warning while the run goes on`, () => {
    const d = new ReducerDrive(testPolicy({ doctorAttempts: 1, agent: AGENT }));
    let { now, runId } = toAgentRun(d);
    let pid = 1000;
    const restarts = (): number => d.events('service.restarting').filter((e) => e.details?.['reason'] === 'agent').length;
    const starts = (from: number): number => d.effects.slice(from).filter((e) => e.type === 'start').length;
    const from = d.effects.length;
    for (let i = 0; i < 3 * AGENT_RESTARTS_PER_RUN; i++) {
      if (d.state.phase === 'starting') d.at(now, { type: 'started', instance: { pid: ++pid, pidStartTime: 1, startedAt: now }, reason: 'agent' });
      d.at((now += 1000), { type: 'request', action: 'restart', by: 'agent', runId });
      const stopping = d.state.phase === 'stopping' ? d.state.instance?.pid : undefined;
      if (stopping !== undefined) d.at((now += 100), { type: 'exited', pid: stopping, code: null, signal: 'SIGTERM', at: now, statusKnown: true });
    }
    expect(d.state.work).toMatchObject({ kind: 'agent', id: runId });
    expect(restarts()).toBe(AGENT_RESTARTS_PER_RUN);
    expect(starts(from)).toBe(AGENT_RESTARTS_PER_RUN);
    const refused = d.events('incident.action').filter((e) => e.details?.['action'] === 'agent-restarts-refused');
    expect(refused).toHaveLength(1);
    expect(refused[0]!.message).toContain(`more than ${AGENT_RESTARTS_PER_RUN} restarts`);

    // The run still ends as runs do: failed, its files put back.
    d.at((now += 100), { type: 'agent-done', runId, outcome: 'failed', summary: 'gave up', detail: 'gave up' });
    d.at((now += 10), { type: 'agent-reverted', runId });
    expect(d.state.work?.kind).not.toBe('agent');
  });
});
