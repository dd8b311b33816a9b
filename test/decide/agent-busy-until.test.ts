// A Level 3 run that never started because another agent run held its cwd is tried again until that run's own time box
// ends (plus a margin), not a fixed three times; bounded however late that run says it ends; never counted in the budget.
import { expect, it } from 'vitest';
import { AGENT_BUSY_MARGIN_MS, AGENT_BUSY_RETRIES, AGENT_BUSY_WAIT_MAX_MS } from '../../src/decide/policy.js';
import { testPolicy } from './policy-fixture.js';
import { ReducerDrive } from './drive.js';

const AGENT = { timeBoxMs: 600_000, verifyWindowMs: 5000, budgetRuns: 3, budgetWindowMs: 86_400_000, approval: 'none' as const, approvalTimeoutMs: 60_000 };
const TRY_MS = 45_000;

/** Crashes the service until its agent run is launched; returns the time. */
function toAgent(d: ReducerDrive): number {
  let now = 0;
  d.up(0, 100);
  let pid = 100;
  for (let guard = 0; guard < 200 && d.state.work?.kind !== 'agent'; guard++) {
    if (d.state.phase === 'starting') d.at((now += 10), { type: 'started', instance: { pid: ++pid, pidStartTime: 1, startedAt: now }, reason: 'exit' });
    else if (d.state.phase === 'running') d.at((now += 50), { type: 'exited', pid, code: 1, signal: null, at: now, statusKnown: true });
    else if (d.state.phase === 'backoff') d.at((now = Math.max(now, d.state.nextStartAt!)), { type: 'tick' });
    else d.at((now += 100), { type: 'tick' });
  }
  expect(d.state.work?.kind).toBe('agent');
  return now;
}

/** Reports busy every TRY_MS while `until(now)` says the other run ends then; returns the tries made before a person got it. */
function busyUntilHuman(d: ReducerDrive, now: number, until: (now: number) => number | undefined): { tries: number; now: number } {
  let tries = 0;
  for (; tries < 10_000 && d.state.work?.kind === 'agent'; tries++) {
    const runId = d.state.work.id;
    const u = until(now);
    d.at((now += TRY_MS), { type: 'agent-done', runId, outcome: 'busy', summary: 'x', detail: 'another agent run kept working in /srv', launched: false, ...(u !== undefined ? { busyUntil: u } : {}) });
    if ((d.state.work as { kind?: string } | null)?.kind === 'revert') d.at((now += 10), { type: 'agent-reverted', runId });
  }
  return { tries, now };
}

it("waits for the other run's whole time box (10 min), not 3 tries (~3 min), and the agent then starts", () => {
  const d = new ReducerDrive(testPolicy({ doctorAttempts: 0, agent: AGENT }));
  const t0 = toAgent(d);
  const holderEnds = t0 + 600_000 + 60_000;
  let now = t0;
  for (let i = 0; i < 14; i++) {
    const runId = d.state.work!.id;
    d.at((now += TRY_MS), { type: 'agent-done', runId, outcome: 'busy', summary: 'x', detail: 'another agent run kept working', launched: false, busyUntil: holderEnds });
    expect(d.state.work?.kind).toBe('agent');
  }
  expect(now - t0).toBeGreaterThan(AGENT_BUSY_RETRIES * 60_000 * 3);
  // The holder is done: this run starts and completes; only one run is paid.
  const runId = d.state.work!.id;
  d.at((now += 1000), { type: 'agent-done', runId, outcome: 'completed', summary: 'fixed', detail: 'fixed' });
  expect(d.state.work?.kind).toBe('verify');
  expect(d.state.agentRuns).toHaveLength(1);
  expect(d.events('incident.escalated').filter((e) => /never started/.test(e.message))).toHaveLength(0);
});

it("past the other run's time box and the margin, a person is told the agent never started; the budget is given back", () => {
  const d = new ReducerDrive(testPolicy({ doctorAttempts: 0, agent: AGENT }));
  const t0 = toAgent(d);
  const holderEnds = t0 + 300_000;
  const { now } = busyUntilHuman(d, t0, () => holderEnds);
  expect(now).toBeGreaterThanOrEqual(holderEnds + AGENT_BUSY_MARGIN_MS);
  expect(now).toBeLessThan(holderEnds + AGENT_BUSY_MARGIN_MS + 2 * TRY_MS + 100);
  expect(d.state.incident?.status).toBe('waiting-human');
  expect(d.events('incident.escalated').at(-1)!.message).toMatch(/the agent never started/);
  expect(d.state.agentRuns).toEqual([]);
});

it('a run that says it ends ever later is waited for at most AGENT_BUSY_WAIT_MAX_MS from the first wait', () => {
  const d = new ReducerDrive(testPolicy({ doctorAttempts: 0, agent: AGENT }));
  const t0 = toAgent(d);
  const { now } = busyUntilHuman(d, t0, (n) => n + 10 * 60 * 60_000);
  expect(now - t0).toBeGreaterThanOrEqual(AGENT_BUSY_WAIT_MAX_MS);
  expect(now - t0).toBeLessThan(AGENT_BUSY_WAIT_MAX_MS + 2 * TRY_MS + 100);
  expect(d.state.incident?.status).toBe('waiting-human');
});

it("a wait with no end known (a person's doctor --fix) is still tried AGENT_BUSY_RETRIES times", () => {
  const d = new ReducerDrive(testPolicy({ doctorAttempts: 0, agent: AGENT }));
  const t0 = toAgent(d);
  const { tries } = busyUntilHuman(d, t0, () => undefined);
  expect(tries).toBe(AGENT_BUSY_RETRIES + 1);
  expect(d.state.incident?.status).toBe('waiting-human');
});
