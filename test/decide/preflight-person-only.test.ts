// A preflight refusal only a person can clear (another live OpenClaw process owns the state dir): Level 4 at once,
// whatever doctor.attempts says; with attempts 0 it went to a paid agent run that fails against it the same way.
import { describe, expect, it } from 'vitest';
import { testPolicy } from './policy-fixture.js';
import { ReducerDrive } from './drive.js';

const AGENT = { timeBoxMs: 60_000, verifyWindowMs: 5000, budgetRuns: 3, budgetWindowMs: 86_400_000, approval: 'none' as const, approvalTimeoutMs: 60_000 };
const OWNER = 'another OpenClaw gateway owns the state dir /s (pid 4242, port 40001); fix: stop it yourself (kill 4242)';

function refused(doctorAttempts: number, personOnly: boolean): ReducerDrive {
  const d = new ReducerDrive(testPolicy({ doctorAttempts, agent: AGENT }));
  d.at(0, { type: 'boot', adopted: null });
  d.at(10, { type: 'preflight-failed', problem: OWNER, ...(personOnly ? { personOnly: true } : {}) });
  return d;
}

describe('a preflight refusal only a person can clear', () => {
  for (const attempts of [0, 2]) {
    it(`doctor.attempts ${attempts}: Level 4 with the finding, no doctor run, no agent run, no start`, () => {
      const d = refused(attempts, true);
      expect(d.types(d.effects)).not.toContain('run-agent');
      expect(d.types(d.effects)).not.toContain('run-doctor');
      expect(d.types()).not.toContain('start');
      expect(d.state.incident?.status).toBe('waiting-human');
      expect(d.state.incident?.level).toBe(4);
      expect(d.state.agentRuns).toEqual([]);
      const alert = d.events('incident.escalated')[0]!;
      expect(alert.message).toContain('kill 4242');
    });
  }

  it('another preflight refusal still climbs: the doctor, or with attempts 0 the agent', () => {
    expect(refused(2, false).types()).toContain('run-doctor');
    expect(refused(0, false).types()).toContain('run-agent');
  });
});
