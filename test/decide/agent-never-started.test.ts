// A Level 3 run that never started (a tmux/PTY that did not come up, a refusal, a wait for a person's repair) is no
// attempt: the budget gets it back, its result is not recorded, and after a person's resume the agent may run.
import { describe, expect, it } from 'vitest';
import type { ServicePolicy } from '../../src/decide/policy.js';
import { testPolicy } from './policy-fixture.js';
import { ReducerDrive } from './drive.js';

const AGENT = { timeBoxMs: 60_000, verifyWindowMs: 5000, budgetRuns: 3, budgetWindowMs: 86_400_000, approval: 'none' as const, approvalTimeoutMs: 60_000 };

function policy(over: Partial<ServicePolicy> = {}): ServicePolicy {
  return testPolicy({ doctorAttempts: 0, agent: AGENT, ...over });
}

/** Crashes the service until the ladder reaches a person; every agent run ends as `end` says. Bounded. */
function crashToHuman(d: ReducerDrive, from: number, end: { outcome: 'failed' | 'refused' | 'busy'; launched: boolean }): number {
  let now = from;
  let pid = 100 + now;
  for (let guard = 0; guard < 200 && d.state.incident?.status !== 'waiting-human'; guard++) {
    if (d.state.work?.kind === 'agent') {
      const run = d.state.work.id;
      d.at((now += 100), { type: 'agent-done', runId: run, outcome: end.outcome, summary: 'x', detail: 'claude never started: tmux: no server', launched: end.launched });
      if ((d.state.work as { kind?: string } | null)?.kind === 'revert') d.at((now += 10), { type: 'agent-reverted', runId: run });
    } else if (d.state.phase === 'starting') {
      d.at((now += 10), { type: 'started', instance: { pid: ++pid, pidStartTime: 1, startedAt: now }, reason: 'exit' });
    } else if (d.state.phase === 'running') {
      d.at((now += 50), { type: 'exited', pid, code: 1, signal: null, at: now, statusKnown: true });
    } else if (d.state.phase === 'backoff') {
      now = Math.max(now, d.state.nextStartAt!);
      d.at(now, { type: 'tick' });
    } else d.at((now += 100), { type: 'tick' });
  }
  expect(d.state.incident?.status).toBe('waiting-human');
  return now;
}

const runs = (d: ReducerDrive): number => d.effects.filter((e) => e.type === 'run-agent').length;

describe('a Level 3 run that never started', () => {
  for (const outcome of ['failed', 'refused'] as const) {
    it(`(${outcome}, never launched) is no attempt: budget given back, no verdict recorded, the agent runs after a resume`, () => {
      const d = new ReducerDrive(policy());
      d.up(0, 100);
      let now = crashToHuman(d, 0, { outcome, launched: false });
      expect(runs(d)).toBe(1);
      const finish = d.effects.find((e) => e.type === 'finish-agent');
      expect(finish).toMatchObject({ keep: false, notStarted: true });
      expect(d.state.agentRuns).toEqual([]);
      expect(d.state.incident!.agentRuns).toBe(0);
      expect(d.state.agentTried ?? null).toBeNull();
      const l4 = d.events('incident.escalated').at(-1)!;
      expect(l4.message).toMatch(/the agent never started/);
      expect(l4.message).not.toMatch(/did not fix/);

      // The person resumes; it fails again: this time the agent starts (same incident), and this run counts.
      d.at((now += 1000), { type: 'request', action: 'resume', by: 'human' });
      now = crashToHuman(d, now, { outcome: 'failed', launched: true });
      expect(runs(d)).toBe(2);
      expect(d.effects.filter((e) => e.type === 'finish-agent').at(-1)).not.toHaveProperty('notStarted');
      expect(d.state.agentRuns).toHaveLength(1);
      expect(d.state.agentTried?.incidentId).toBe(d.state.incident!.id);
    });
  }

  it('a run that started and failed still counts as tried (no second run after a resume)', () => {
    const d = new ReducerDrive(policy());
    d.up(0, 100);
    let now = crashToHuman(d, 0, { outcome: 'failed', launched: true });
    expect(d.state.agentTried?.incidentId).toBe(d.state.incident!.id);
    d.at((now += 1000), { type: 'request', action: 'resume', by: 'human' });
    now = crashToHuman(d, now, { outcome: 'failed', launched: true });
    expect(runs(d)).toBe(1);
  });
});
