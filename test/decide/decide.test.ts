// The service reducer as a table: (state, input) -> (state, effects) for every rung, deadline, cancellation and boot.
import { afterAll, describe, expect, it } from 'vitest';
import { nextWake } from '../../src/decide/decide.js';
import type { ServiceInput } from '../../src/decide/inputs.js';
import type { ServicePolicy } from '../../src/decide/policy.js';
import { AGENT_RESTARTS_PER_RUN } from '../../src/decide/policy.js';
import { testPolicy } from './policy-fixture.js';
import { ReducerDrive } from './drive.js';
import { normalizeState, type ServiceState } from '../../src/decide/service-state.js';

function policy(over: Partial<ServicePolicy> = {}): ServicePolicy {
  return testPolicy(over);
}
// The whole table must stay cheap (well under a second): measured as CPU time of this process, not wall time.
const cpuAtStart = process.cpuUsage();
afterAll(() => {
  const used = process.cpuUsage(cpuAtStart);
  const ms = (used.user + used.system) / 1000;
  console.log(`reducer table: ${ms.toFixed(0)} ms of CPU`);
  expect(ms).toBeLessThan(1000);
});

const AGENT = { timeBoxMs: 60_000, verifyWindowMs: 5000, budgetRuns: 2, budgetWindowMs: 86_400_000, approval: 'none' as const, approvalTimeoutMs: 60_000 };

/** The reducer drive, with the exits and work this table needs. */
class Drive extends ReducerDrive {
  exit(now: number, code: number | null, lastLines?: string[]): this {
    const pid = this.state.instance!.pid;
    return this.at(now, { type: 'exited', pid, code, signal: null, at: now, statusKnown: true, ...(lastLines ? { lastLines } : {}) });
  }
  work(): NonNullable<ServiceState['work']> {
    return this.state.work!;
  }
  /** The executor reports the failed run's files put back (finish-agent, keep false, carried out). */
  reverted(now: number, error?: string): this {
    const w = this.work();
    expect(w.kind).toBe('revert');
    return this.at(now, { type: 'agent-reverted', runId: w.agentRunId!, ...(error ? { error } : {}) });
  }
}

describe('Level 0: exits, backoff, breaker', () => {
  it('restarts at once, then after a growing backoff woken by a tick', () => {
    const d = new Drive(policy()).up(0, 10).exit(100, 1);
    expect(d.types()).toEqual(['start']);
    expect(d.state.incident?.level).toBe(0);
    d.at(110, { type: 'started', instance: { pid: 11, pidStartTime: 1, startedAt: 110 }, reason: 'exit' }).exit(200, 1);
    expect(d.types()).toEqual([]);
    expect(d.state.phase).toBe('backoff');
    expect(d.state.nextStartAt).toBe(300);
    expect(nextWake(d.state, d.p)).toBe(300);
    d.at(300, { type: 'tick' });
    expect(d.types()).toEqual(['start']);
    expect(d.events('incident.opened')).toHaveLength(1);
  });

  it('trips the breaker past the intensity and climbs to the doctor', () => {
    const d = new Drive(policy()).up(0, 10);
    for (let i = 0; i < 4; i++) {
      d.exit(100 + i * 1000, 1);
      if (d.state.phase === 'backoff') d.at(d.state.nextStartAt!, { type: 'tick' });
      if (d.state.phase === 'starting') d.at(150 + i * 1000, { type: 'started', instance: { pid: 20 + i, pidStartTime: 1, startedAt: 150 + i * 1000 }, reason: 'exit' });
    }
    expect(d.state.held?.reason).toBe('crash-loop');
    expect(d.state.work?.kind).toBe('doctor');
    expect(d.types()).toContain('run-doctor');
    expect(d.state.incident?.level).toBe(2);
  });

  it("a doctor repair of a crash loop is started (a fresh window), and a repair that does not hold trips the breaker again", () => {
    const d = new Drive(policy()).up(0, 10);
    let t = 0;
    const crashLoop = (firstPid: number): void => {
      for (let i = 0; i < 10 && d.state.work?.kind !== 'doctor'; i++) {
        t += 100;
        d.exit(t, 1);
        if (d.state.phase === 'backoff') d.at((t = Math.max(t, d.state.nextStartAt!)), { type: 'tick' });
        if (d.state.phase === 'starting') d.at((t += 10), { type: 'started', instance: { pid: firstPid + i, pidStartTime: 1, startedAt: t }, reason: 'exit' });
      }
    };
    crashLoop(20);
    expect(d.state.held?.reason).toBe('crash-loop');
    d.at((t += 50), { type: 'doctor-done', runId: d.work().id, outcome: 'fixed', summary: 'removed a stale lock' });
    // Before: the loop's restarts filled the window, this restart tripped it, and the repaired service went to Level 3/4 unstarted.
    expect(d.types()).toContain('start');
    expect(d.state.held).toBeNull();
    expect(d.state.incident?.status).toBe('open');
    d.at((t += 10), { type: 'started', instance: { pid: 50, pidStartTime: 1, startedAt: t }, reason: 'doctor' });
    // The repair does not hold: the breaker trips again within the intensity, and the ladder climbs (bounded).
    crashLoop(60);
    expect(d.state.held?.reason).toBe('crash-loop');
    expect(d.state.restartHistory.length).toBeLessThanOrEqual(d.p.intensity.maxRestarts + 1);
  });

  it('the one start after a doctor run of a service held unstarted gets a fresh window: a re-armed run, a person\'s run at Level 4', () => {
    const crashLoop = (d: Drive, t: number): number => {
      for (let i = 0; i < 10 && d.state.work?.kind !== 'doctor' && d.state.instance; i++) {
        t += 100;
        d.exit(t, 1);
        if (d.state.phase === 'backoff') d.at((t = Math.max(t, d.state.nextStartAt!)), { type: 'tick' });
        if (d.state.phase === 'starting') d.at((t += 10), { type: 'started', instance: { pid: 20 + i, pidStartTime: 1, startedAt: t }, reason: 'exit' });
      }
      return t;
    };
    // A daemon restart while the doctor ran on a crash loop: the re-armed run finds nothing (the interrupted one fixed it).
    const a = new Drive(policy()).up(0, 10);
    let t = crashLoop(a, 0);
    a.at((t += 100), { type: 'boot', adopted: null });
    expect(a.work().rearmed).toBe(true);
    a.at((t += 50), { type: 'doctor-done', runId: a.work().id, outcome: 'nothing-found', summary: 'no problem found' });
    // Before: "starting again" tripped the breaker on the loop's old restarts: no start, a second doctor run for a
    // service never started ("restarts do not hold after the doctor").
    expect(a.types()).toEqual(['start']);
    expect(a.state.held).toBeNull();
    expect(a.events('incident.level').map((e) => e.message).join('\n')).not.toContain('restarts do not hold after the doctor');
    // A person's doctor run at Level 4 (the agent failed: the hold is theirs now) that repairs it: the service starts.
    const b = new Drive(policy({ agent: AGENT })).up(0, 10);
    t = crashLoop(b, 0);
    b.at((t += 50), { type: 'doctor-done', runId: b.work().id, outcome: 'nothing-found', summary: 'no problem found' });
    b.at((t += 50), { type: 'agent-done', runId: b.work().id, outcome: 'failed', summary: 'gave up', detail: 'gave up' });
    b.reverted((t += 50));
    expect(b.state.incident?.status).toBe('waiting-human');
    expect(b.state.held?.reason).toBe('human');
    b.at((t += 50), { type: 'request', action: 'doctor', by: 'human' });
    b.at((t += 50), { type: 'doctor-done', runId: b.work().id, outcome: 'fixed', summary: 'removed a stale lock' });
    // Before: back to Level 4 unstarted, paged with "restarts do not hold after the doctor".
    expect(b.types()).toEqual(['start']);
    expect(b.state.incident?.status).toBe('open');
    expect(b.state.held).toBeNull();
    // Bounded still: a repair that does not hold trips the breaker again and climbs.
    b.at((t += 10), { type: 'started', instance: { pid: 90, pidStartTime: 1, startedAt: t }, reason: 'doctor' });
    t = crashLoop(b, t);
    expect(b.state.held).not.toBeNull();
    expect(b.state.incident?.status).toBe('waiting-human');
  });

  it('a spawn failure counts as a crash: it is never "running" without a pid', () => {
    const d = new Drive(policy()).at(0, { type: 'boot', adopted: null });
    expect(d.types()).toEqual(['start']);
    d.at(5, { type: 'start-failed', error: 'spawn ENOENT' });
    expect(d.state.phase).not.toBe('running');
    expect(d.state.instance).toBeNull();
    expect(d.state.restartHistory).toHaveLength(1);
    expect(d.events('service.exited')[0]!.message).toContain('spawn ENOENT');
    expect(d.state.incident?.cause?.lastLines).toEqual(['spawn ENOENT']);
  });

  it('ignores exits and verdicts of an instance that is not the current one', () => {
    const d = new Drive(policy()).up(0, 10);
    d.at(10, { type: 'exited', pid: 99, code: 1, signal: null, at: 10, statusKnown: true });
    d.at(10, { type: 'unhealthy', pid: 99, probe: 'http', message: 'down' });
    expect(d.state.phase).toBe('running');
    expect(d.state.incident).toBeNull();
  });
});

describe('Level 1: probe verdicts', () => {
  it('restarts an unhealthy instance with the hang grace and resolves once health held for the confirm time', () => {
    const d = new Drive(policy()).up(0, 10);
    d.at(1000, { type: 'unhealthy', pid: 10, probe: 'http', finding: 'hang', message: 'timeout' });
    expect(d.last).toContainEqual({ type: 'stop', graceMs: 100 });
    expect(d.state.afterStop).toEqual({ then: 'start', reason: 'probe' });
    d.exit(1100, null);
    expect(d.types()).toEqual(['start']);
    d.at(1200, { type: 'started', instance: { pid: 11, pidStartTime: 1, startedAt: 1200 }, reason: 'probe' }).at(1500, { type: 'healthy', pid: 11 });
    expect(d.events('incident.resolved')).toHaveLength(0);
    expect(nextWake(d.state, d.p)).toBe(1500 + 2000);
    d.at(3499, { type: 'tick' });
    expect(d.events('incident.resolved')).toHaveLength(0);
    d.at(3500, { type: 'tick' });
    const resolved = d.events('incident.resolved')[0]!;
    // TTR: from the first failure signal to the first healthy verdict that held, not to the confirmation.
    expect(resolved.details).toMatchObject({ ttrMs: 500, outcome: 'auto-resolved' });
  });
});

describe('Level 2: the doctor', () => {
  it('exit 78 holds; a doctor that finds nothing does not restart blindly, it climbs', () => {
    const d = new Drive(policy()).up(0, 10).exit(50, 78);
    expect(d.state.held?.reason).toBe('config');
    const run = d.work().id;
    d.at(100, { type: 'doctor-done', runId: run, outcome: 'nothing-found', summary: 'no problem found' });
    expect(d.types()).not.toContain('start');
    expect(d.state.incident?.level).toBe(4);
    expect(d.state.held?.reason).toBe('config');
    expect(d.state.incident?.status).toBe('waiting-human');
  });

  it('a transient preflight failure (a dying leftover on the port) is retried when the doctor finds nothing (issue 16.9)', () => {
    const d = new Drive(policy()).up(0, 10).exit(50, null);
    d.at(60, { type: 'preflight-failed', problem: 'port 18789 is held by pid 12' });
    expect(d.state.held?.reason).toBe('preflight');
    d.at(200, { type: 'doctor-done', runId: d.work().id, outcome: 'nothing-found', summary: 'no problem found' });
    expect(d.types()).toEqual(['start']);
    expect(d.state.held).toBeNull();
    expect(d.state.incident?.level).toBe(2);
  });

  it('restarts after a doctor fix count toward the breaker: an escaping child that re-takes the port ends at a human (issue 16.8)', () => {
    const d = new Drive(policy({ doctorAttempts: 10, intensity: { maxRestarts: 3, window: 60_000 } })).at(0, { type: 'boot', adopted: null });
    let t = 0;
    for (let i = 0; i < 30 && d.state.incident?.status !== 'waiting-human'; i++) {
      t += 100;
      d.at(t, { type: 'preflight-failed', problem: 'port held by a stale instance' });
      if (d.state.work?.kind === 'doctor') d.at(t + 50, { type: 'doctor-done', runId: d.work().id, outcome: 'fixed', summary: 'killed the stale holder' });
    }
    expect(d.state.incident?.status).toBe('waiting-human');
    expect(d.effects.filter((e) => e.type === 'start').length).toBeLessThanOrEqual(5);
  });

  it('a repair that did not bring health back is named at Level 4 although a later run found nothing (it is not rolled back)', () => {
    const d = new Drive(policy({ doctorAttempts: 2, intensity: { maxRestarts: 3, window: 60_000 } })).up(0, 10).exit(50, 78);
    const repair = 'fixed: config file invalid: removed newFeature; the original is kept at /x/gw.json.corrupt-1; left: nothing';
    d.at(100, { type: 'doctor-done', runId: d.work().id, outcome: 'fixed', summary: repair });
    let t = 100;
    // The restart it ordered crashes at once, again and again (a cause the repair did not touch): the breaker trips.
    for (let pid = 20; pid < 40 && d.state.work?.kind !== 'doctor'; pid++) {
      if (d.state.phase === 'backoff') {
        t = Math.max(t, d.state.nextStartAt!);
        d.at(t, { type: 'tick' });
      }
      t += 10;
      d.at(t, { type: 'started', instance: { pid, pidStartTime: 1, startedAt: t }, reason: 'doctor' }).exit(t + 10, 1);
      t += 10;
    }
    expect(d.work().kind).toBe('doctor');
    d.at(t + 50, { type: 'doctor-done', runId: d.work().id, outcome: 'nothing-found', summary: 'no problem found' });
    expect(d.state.incident?.status).toBe('waiting-human');
    const escalated = d.events('incident.escalated');
    expect(escalated).toHaveLength(1);
    expect(escalated[0]!.message).toContain('removed newFeature; the original is kept at /x/gw.json.corrupt-1');
    expect(escalated[0]!.details).toMatchObject({ lastRung: 'doctor: no problem found', repairsKept: [repair] });
  });

  it('a doctor result for another run is ignored; a doctor past its deadline is cancelled and the ladder climbs', () => {
    const d = new Drive(policy()).up(0, 10).exit(50, 78);
    const run = d.work();
    d.at(60, { type: 'doctor-done', runId: 'run-other', outcome: 'fixed', summary: 'x' });
    expect(d.state.work?.id).toBe(run.id);
    d.at(run.deadline, { type: 'tick' });
    expect(d.last).toContainEqual({ type: 'cancel-work', runId: run.id, kind: 'doctor' });
    expect(d.state.incident?.lastRung).toContain('did not finish');
  });

  it('after a repair the incident resolves only once health held for the confirm time', () => {
    const d = new Drive(policy()).up(0, 10).exit(50, 78);
    d.at(100, { type: 'doctor-done', runId: d.work().id, outcome: 'fixed', summary: 'restored config' });
    d.at(120, { type: 'started', instance: { pid: 11, pidStartTime: 1, startedAt: 120 }, reason: 'doctor' });
    d.at(500, { type: 'healthy', pid: 11 });
    expect(d.state.incident).not.toBeNull();
    d.at(1500, { type: 'unhealthy', pid: 11, probe: 'http', message: '500' });
    expect(d.state.incident?.recoveredAt).toBeNull();
    // the restart it ordered, then health for longer than the confirm time
    d.exit(1600, null).at(1700, { type: 'started', instance: { pid: 12, pidStartTime: 1, startedAt: 1700 }, reason: 'probe' }).at(2000, { type: 'healthy', pid: 12 });
    d.at(3000, { type: 'tick' });
    expect(d.state.incident).not.toBeNull();
    d.at(4000, { type: 'tick' });
    expect(d.state.incident).toBeNull();
    expect(d.events('incident.resolved')[0]!.details).toMatchObject({ ttrMs: 1950, highestLevel: 2 });
  });
});

describe('the confirm time never asks for a wake it cannot use', () => {
  /** Level 2 fixed it and the new instance is healthy at 500: the incident waits for the confirm time (2000). */
  const recovered = (): Drive => {
    const d = new Drive(policy()).up(0, 10).exit(50, 78);
    d.at(100, { type: 'doctor-done', runId: d.work().id, outcome: 'fixed', summary: 'restored config' });
    d.at(120, { type: 'started', instance: { pid: 11, pidStartTime: 1, startedAt: 120 }, reason: 'doctor' });
    d.at(500, { type: 'healthy', pid: 11 });
    expect(nextWake(d.state, d.p)).toBe(2500);
    return d;
  };

  it('a person stops the service before the confirm time: no wake in the past (the daemon would tick in a loop)', () => {
    const d = recovered();
    d.at(600, { type: 'request', action: 'stop', by: 'human' }).at(700, { type: 'exited', pid: 11, code: 0, signal: null, at: 700, statusKnown: true });
    for (const now of [2500, 2501, 60_000]) {
      d.at(now, { type: 'tick' });
      const wake = nextWake(d.state, d.p);
      expect(wake === null || wake > now).toBe(true);
    }
  });

  it("a person's restart before the confirm time: health must hold again on the new instance; TTR still ends at the first recovery", () => {
    const d = recovered();
    d.at(600, { type: 'request', action: 'restart', by: 'human' }).at(700, { type: 'exited', pid: 11, code: 0, signal: null, at: 700, statusKnown: true });
    d.at(710, { type: 'started', instance: { pid: 12, pidStartTime: 1, startedAt: 710 }, reason: 'manual' });
    for (const now of [2500, 2600, 3000]) {
      d.at(now, { type: 'tick' });
      const wake = nextWake(d.state, d.p);
      expect(wake === null || wake > now).toBe(true);
    }
    d.at(3000, { type: 'healthy', pid: 12 });
    expect(nextWake(d.state, d.p)).toBe(5000);
    d.at(4999, { type: 'tick' });
    expect(d.state.incident).not.toBeNull();
    d.at(5000, { type: 'tick' });
    expect(d.state.incident).toBeNull();
    expect(d.events('incident.resolved')[0]!.details).toMatchObject({ ttrMs: 450 });
  });

  it('a doctor a person asks for on a recovered incident: no wake in the past while it runs', () => {
    const d = recovered();
    d.at(600, { type: 'request', action: 'doctor', by: 'human' });
    expect(d.work().kind).toBe('doctor');
    d.at(2500, { type: 'tick' });
    expect(nextWake(d.state, d.p)).toBe(d.work().deadline);
  });
});

describe('Level 3: the agent as in-flight work', () => {
  const toAgent = (): Drive => {
    const d = new Drive(policy({ doctorAttempts: 0, agent: AGENT })).up(0, 10).exit(50, 78, ['booting', 'Error: invalid port "oops"']);
    expect(d.state.work?.kind).toBe('agent');
    return d;
  };

  it('its own restarts neither trip the breaker nor page a human, and a healthy moment does not resolve (issue 16.2)', () => {
    const d = toAgent();
    const run = d.work().id;
    // More restarts than the breaker's 3 a minute (the run's own bound, 5, is past them).
    for (let i = 0; i < AGENT_RESTARTS_PER_RUN; i++) {
      d.at(100 + i * 100, { type: 'request', action: 'restart', by: 'agent', runId: run });
      expect(d.types()).toEqual(['start']);
      d.at(120 + i * 100, { type: 'started', instance: { pid: 30 + i, pidStartTime: 1, startedAt: 120 + i * 100 }, reason: 'agent' });
      d.at(130 + i * 100, { type: 'healthy', pid: 30 + i });
      d.exit(150 + i * 100, 1);
    }
    expect(d.events('incident.escalated')).toHaveLength(0);
    expect(d.events('breaker.tripped').filter((e) => e.details?.reason === 'crash-loop')).toHaveLength(0);
    expect(d.state.incident?.level).toBe(3);
    expect(d.state.work?.id).toBe(run);
  });

  it('verification: a 1.5 s healthy moment is no recovery; a failed verification reverts, holds and pages on the same incident (issue 16.3)', () => {
    const d = toAgent();
    const incident = d.state.incident!.id;
    d.at(1000, { type: 'agent-done', runId: d.work().id, outcome: 'completed', summary: 'fixed port', detail: 'claude exited 0 after 40s: done' });
    expect(d.state.work?.kind).toBe('verify');
    expect(d.types()).toEqual(['start']);
    d.at(1100, { type: 'started', instance: { pid: 40, pidStartTime: 1, startedAt: 1100 }, reason: 'verify' });
    d.at(1200, { type: 'healthy', pid: 40 });
    d.exit(2700, 1);
    expect(d.events('incident.resolved')).toHaveLength(0);
    expect(d.last.find((e) => e.type === 'finish-agent')).toMatchObject({ keep: false, incidentId: incident });
    // Nobody is paged before the agent's changes are back: a person's fix must not be reverted under them.
    expect(d.events('incident.escalated')).toHaveLength(0);
    expect(d.state.held?.reason).toBe('repair');
    d.reverted(2800);
    const esc = d.events('incident.escalated');
    expect(esc).toHaveLength(1);
    expect(esc[0]!.incidentId).toBe(incident);
    expect(d.state.held?.reason).toBe('human');
    expect(d.state.phase).toBe('held');
    // Level 4 means held: no verification or health report starts it again.
    d.at(3000, { type: 'tick' });
    expect(d.types()).toEqual([]);
  });

  it('a verified fix is kept and resolves its own incident at level 3', () => {
    const d = toAgent();
    d.at(1000, { type: 'agent-done', runId: d.work().id, outcome: 'completed', summary: 'ok', detail: 'ok' });
    d.at(1100, { type: 'started', instance: { pid: 40, pidStartTime: 1, startedAt: 1100 }, reason: 'verify' }).at(1200, { type: 'healthy', pid: 40 });
    expect(nextWake(d.state, d.p)).toBe(6200);
    d.at(6200, { type: 'tick' });
    expect(d.last.find((e) => e.type === 'finish-agent')).toMatchObject({ keep: true });
    expect(d.events('incident.resolved')[0]!.details).toMatchObject({ highestLevel: 3, outcome: 'auto-resolved', ttrMs: 1150 });
  });

  it('an agent that fails at once: no verification, the alert names its failure and the first cause (issue 16.4)', () => {
    const d = toAgent();
    d.at(700, { type: 'agent-done', runId: d.work().id, outcome: 'failed', summary: 'Not logged in', detail: 'claude exited 1 after 0.6s: Not logged in' });
    expect(d.types()).toEqual(['finish-agent']);
    expect(d.state.work?.kind).toBe('revert');
    expect(d.events('incident.escalated')).toHaveLength(0);
    d.reverted(750);
    expect(d.state.work).toBeNull();
    expect(d.types()).toEqual([]);
    const msg = d.events('incident.escalated')[0]!.message;
    expect(msg).toContain('claude exited 1 after 0.6s: Not logged in');
    expect(msg).toContain('exit code 78');
    expect(msg).toContain('Error: invalid port "oops"');
  });

  it('the agent budget bounds paid runs across incidents, and Level 4 says so', () => {
    const d = new Drive(policy({ doctorAttempts: 0, agent: { ...AGENT, budgetRuns: 2 } }));
    d.up(0, 10);
    for (let i = 0; i < 3; i++) {
      // A new failure each time: the resumed service recovered and ran clean for the flapping window in between.
      const t = 1_000_000 * (i + 1);
      d.exit(t, 78);
      if (d.state.work?.kind === 'agent') d.at(t + 10, { type: 'agent-done', runId: d.work().id, outcome: 'failed', summary: 'no', detail: 'no' }).reverted(t + 15);
      d.at(t + 20, { type: 'request', action: 'resume', by: 'human' });
      d.at(t + 30, { type: 'started', instance: { pid: 50 + i, pidStartTime: 1, startedAt: t + 30 }, reason: 'resume' });
      d.at(t + 40, { type: 'healthy', pid: 50 + i }).at(t + 2040, { type: 'tick' });
      expect(d.state.incident).toBeNull();
    }
    expect(d.effects.filter((e) => e.type === 'run-agent')).toHaveLength(2);
    expect(d.events('incident.escalated').at(-1)!.message).toContain('budget of 2 run(s)');
  });

  it('an agent past its deadline is cancelled, reverted and escalated', () => {
    const d = toAgent();
    const w = d.work();
    d.at(w.deadline, { type: 'tick' });
    expect(d.types()).toEqual(['cancel-work', 'finish-agent']);
    expect(d.state.incident?.status).toBe('open');
    d.reverted(w.deadline + 100);
    expect(d.state.incident?.status).toBe('waiting-human');
  });

  it('the revert of a failed run: Level 4 waits for it, is told when it failed, climbs anyway at its deadline, and is redone after a daemon restart', () => {
    // Reported with an error: the person is told the files could not be put back.
    const a = toAgent();
    a.at(700, { type: 'agent-done', runId: a.work().id, outcome: 'failed', summary: 'x', detail: 'exited 1' });
    a.reverted(800, 'EACCES: permission denied');
    expect(a.events('incident.escalated')[0]!.message).toContain('its changes could not be reverted: EACCES');
    // A result for another run is not this revert's.
    const b = toAgent();
    b.at(700, { type: 'agent-done', runId: b.work().id, outcome: 'failed', summary: 'x', detail: 'exited 1' });
    b.at(750, { type: 'agent-reverted', runId: 'run-other' });
    expect(b.state.work?.kind).toBe('revert');
    // Never reported: at its deadline the ladder climbs without it and says so.
    expect(nextWake(b.state, b.p)).toBe(700 + 60_000);
    b.at(60_700, { type: 'tick' });
    expect(b.state.work).toBeNull();
    expect(b.events('incident.escalated')[0]!.message).toContain('reverting its changes did not finish');
    // The daemon restarts while reverting: the revert is ordered again (idempotent), then the ladder climbs.
    const c = toAgent();
    const run = c.work().id;
    c.at(700, { type: 'agent-done', runId: run, outcome: 'failed', summary: 'x', detail: 'exited 1' });
    const saved: ServiceState = { ...c.state, instance: null, phase: 'stopped' };
    const c2 = new Drive(c.p, saved).at(100_000, { type: 'boot', adopted: null });
    expect(c2.last).toContainEqual({ type: 'finish-agent', runId: run, incidentId: saved.incident!.id, keep: false, reason: 'interrupted by a daemon restart' });
    expect(c2.types()).toEqual(['finish-agent']);
    expect(c2.state.work?.deadline).toBe(160_000);
    c2.reverted(100_100);
    expect(c2.state.incident?.status).toBe('waiting-human');
    expect(c2.state.phase).toBe('held');
    // A person who starts the service meanwhile takes over: their start waits for the revert (never races it), no page follows.
    const e = toAgent();
    const eRun = e.work().id;
    e.at(700, { type: 'agent-done', runId: eRun, outcome: 'failed', summary: 'x', detail: 'exited 1' });
    e.at(710, { type: 'request', action: 'start', by: 'human' });
    expect(e.types()).toEqual([]);
    e.at(800, { type: 'agent-reverted', runId: eRun });
    expect(e.types()).toEqual(['start']);
    expect(e.events('incident.escalated')).toHaveLength(0);
  });

  it('a person stopping the service cancels the run in flight and takes over its files (no revert)', () => {
    const d = toAgent();
    const w = d.work();
    d.at(100, { type: 'request', action: 'stop', by: 'human' });
    expect(d.last).toContainEqual({ type: 'cancel-work', runId: w.id, kind: 'agent', handover: 'a person asked to stop it' });
    expect(d.types()).not.toContain('finish-agent');
    expect(d.state.work).toBeNull();
  });
});

describe("do no harm: a person's take-over is never reverted, a start never races a revert (issue 16/17)", () => {
  const toAgent = (): Drive => {
    const d = new Drive(policy({ doctorAttempts: 0, agent: AGENT })).up(0, 10).exit(50, 78, ['Error: invalid port "oops"']);
    expect(d.state.work?.kind).toBe('agent');
    return d;
  };
  const toRevert = (): Drive => {
    const d = toAgent();
    d.at(700, { type: 'agent-done', runId: d.work().id, outcome: 'failed', summary: 'x', detail: 'exited 1' });
    expect(d.state.work?.kind).toBe('revert');
    return d;
  };

  it.each([
    ['start', { type: 'request', action: 'start', by: 'human' }, 'a person asked to start it'],
    ['resume', { type: 'request', action: 'resume', by: 'human' }, 'a person asked to resume it'],
    ['restart', { type: 'request', action: 'restart', by: 'human' }, 'a person asked to restart it'],
    ['maintenance', { type: 'maintenance', on: true, until: null, reason: 'fixing it myself', by: 'cli:ann' }, 'maintenance started by cli:ann'],
  ] as Array<[string, ServiceInput, string]>)('%s by a person during the agent run: the run is cancelled as a hand-over, never reverted', (_name, input, why) => {
    const d = toAgent();
    const run = d.work().id;
    d.at(300, input);
    expect(d.last).toContainEqual({ type: 'cancel-work', runId: run, kind: 'agent', handover: why });
    expect(d.last.some((e) => e.type === 'finish-agent' && !e.handover)).toBe(false);
    expect(d.state.work).toBeNull();
    expect(d.events('incident.escalated')).toHaveLength(0);
  });

  it("a person resuming during the verification: nothing reverted under them, and the fix is still verified (kept once it held)", () => {
    const d = toAgent();
    const run = d.work().id;
    d.at(700, { type: 'agent-done', runId: run, outcome: 'completed', summary: 'ok', detail: 'ok' });
    expect(d.state.work?.kind).toBe('verify');
    d.at(800, { type: 'request', action: 'resume', by: 'human' });
    expect(d.last.filter((e) => e.type === 'finish-agent')).toEqual([]);
    expect(d.state.work?.kind).toBe('verify');
    expect(d.events('incident.action').some((e) => e.details?.action === 'verify-continues')).toBe(true);
    // The verification goes on and ends as any: here the fix held, so it is kept (not left unsaid).
    const w = d.work();
    if (!d.state.instance) d.at(900, { type: 'started', instance: { pid: 77, pidStartTime: 1, startedAt: 900 }, reason: 'verify' });
    d.at(1000, { type: 'healthy', pid: d.state.instance!.pid }).at(1000 + 5000, { type: 'tick' });
    expect(d.effects.filter((e) => e.type === 'finish-agent')).toEqual([expect.objectContaining({ runId: run, keep: true })]);
    expect(w.deadline).toBeGreaterThan(1000 + 5000);
  });

  it('a deadline or a daemon restart is no person: those runs are still reverted', () => {
    const d = toAgent();
    const w = d.work();
    d.at(w.deadline, { type: 'tick' });
    expect(d.last).toContainEqual({ type: 'cancel-work', runId: w.id, kind: 'agent' });
    expect(d.last).toContainEqual(expect.objectContaining({ type: 'finish-agent', keep: false }));
    expect(d.last.find((e) => e.type === 'finish-agent')).not.toHaveProperty('handover');
  });

  it.each(['start', 'resume', 'restart'] as const)('%s during a revert waits for it: no start until the files are back, then the start, no page', (action) => {
    const d = toRevert();
    const run = d.work().agentRunId!;
    d.at(710, { type: 'request', action, by: 'human' });
    expect(d.types()).toEqual([]);
    expect(d.state.work?.kind).toBe('revert');
    expect(d.events('incident.action').at(-1)!.details).toMatchObject({ action: 'waits-for-revert', requested: action });
    // Nothing starts it meanwhile, not even a tick.
    d.at(5000, { type: 'tick' });
    expect(d.types()).toEqual([]);
    d.at(6000, { type: 'agent-reverted', runId: run });
    expect(d.types()).toEqual(['start']);
    expect(d.state.work).toBeNull();
    expect(d.state.held).toBeNull();
    expect(d.events('incident.escalated')).toHaveLength(0);
    d.at(6100, { type: 'started', instance: { pid: 77, pidStartTime: 1, startedAt: 6100 }, reason: action === 'resume' ? 'resume' : 'manual' });
    expect(d.state.phase).toBe('running');
  });

  it('a revert that never reports: the waiting start goes ahead at its deadline and says the revert is not confirmed', () => {
    const d = toRevert();
    const w = d.work();
    d.at(710, { type: 'request', action: 'resume', by: 'human' });
    d.at(w.deadline, { type: 'tick' });
    expect(d.types()).toEqual(['start']);
    expect(d.events('incident.action').at(-1)!.message).toContain('not confirmed');
    expect(d.events('incident.escalated')).toHaveLength(0);
  });

  it('a stop during a revert stops at once, the revert goes on, then nothing climbs or starts', () => {
    const d = new Drive(policy({ doctorAttempts: 0, agent: AGENT })).up(0, 10);
    // The agent's own restart brought an instance up: the stop has something to stop.
    d.exit(50, 78);
    d.at(60, { type: 'started', instance: { pid: 11, pidStartTime: 1, startedAt: 60 }, reason: 'agent' });
    d.at(700, { type: 'agent-done', runId: d.work().id, outcome: 'failed', summary: 'x', detail: 'exited 1' });
    const run = d.work().agentRunId!;
    d.at(710, { type: 'request', action: 'stop', by: 'human' });
    expect(d.types()).toEqual(['stop']);
    expect(d.state.work?.kind).toBe('revert');
    d.exit(800, 0);
    d.at(900, { type: 'agent-reverted', runId: run });
    expect(d.types()).toEqual([]);
    expect(d.state.work).toBeNull();
    expect(d.state.held).toBeNull();
    expect(d.state.phase).toBe('stopped');
    expect(d.events('incident.escalated')).toHaveLength(0);
  });

  it('the waiting request survives a daemon restart during the revert', () => {
    const d = toRevert();
    d.at(710, { type: 'request', action: 'start', by: 'human' });
    const saved: ServiceState = structuredClone({ ...d.state, instance: null, phase: 'held' as const });
    const d2 = new Drive(d.p, saved).at(100_000, { type: 'boot', adopted: null });
    expect(d2.types()).toEqual(['finish-agent']);
    d2.reverted(100_100);
    expect(d2.types()).toEqual(['start']);
    expect(d2.events('incident.escalated')).toHaveLength(0);
  });
});

describe('Level 4 and people', () => {
  it('start on a service waiting for a human lifts the hold and starts it (issue 16.1)', () => {
    const d = new Drive(policy({ doctorAttempts: 0 })).up(0, 10).exit(50, 78);
    expect(d.state.incident?.status).toBe('waiting-human');
    d.at(100, { type: 'request', action: 'start', by: 'human' });
    expect(d.types()).toEqual(['start']);
    expect(d.state.held).toBeNull();
    expect(d.state.incident?.status).toBe('open');
    d.at(120, { type: 'started', instance: { pid: 11, pidStartTime: 1, startedAt: 120 }, reason: 'manual' }).at(200, { type: 'healthy', pid: 11 }).at(2200, { type: 'tick' });
    expect(d.events('incident.resolved')[0]!.details).toMatchObject({ outcome: 'human-resolved' });
  });

  it('a cool-down tries the ladder again by itself', () => {
    const d = new Drive(policy({ doctorAttempts: 0, coolDownMs: 10_000 })).up(0, 10).exit(50, 78);
    expect(nextWake(d.state, d.p)).toBe(10_050);
    d.at(10_050, { type: 'tick' });
    expect(d.types()).toEqual(['start']);
  });

  it('an incident the cool-down retry ends, with no person acting, is cool-down-recovered, not human-resolved', () => {
    const d = new Drive(policy({ doctorAttempts: 0, coolDownMs: 10_000 })).up(0, 10).exit(50, 78);
    d.at(10_050, { type: 'tick' });
    expect(d.types()).toEqual(['start']);
    d.at(10_060, { type: 'started', instance: { pid: 11, pidStartTime: 1, startedAt: 10_060 }, reason: 'cool-down' }).at(10_100, { type: 'healthy', pid: 11 }).at(12_200, { type: 'tick' });
    expect(d.events('incident.resolved')[0]!.details).toMatchObject({ outcome: 'cool-down-recovered', highestLevel: 4 });
  });

  it("a person's resume after the cool-down handed the incident back makes it theirs: human-resolved", () => {
    const d = new Drive(policy({ doctorAttempts: 0, coolDownMs: 10_000 })).up(0, 10).exit(50, 78);
    d.at(10_050, { type: 'tick' });
    expect(d.state.incident?.status).toBe('open');
    d.at(10_055, { type: 'request', action: 'resume', by: 'human' });
    d.at(10_060, { type: 'started', instance: { pid: 11, pidStartTime: 1, startedAt: 10_060 }, reason: 'resume' }).at(10_100, { type: 'healthy', pid: 11 }).at(12_200, { type: 'tick' });
    expect(d.events('incident.resolved')[0]!.details).toMatchObject({ outcome: 'human-resolved' });
  });

  it('maintenance at Level 4 pauses the cool-down; when it ends the service still waits for a person, and the cool-down starts over', () => {
    const d = new Drive(policy({ doctorAttempts: 0, coolDownMs: 10_000 })).up(0, 10).exit(50, 78);
    d.at(1000, { type: 'maintenance', on: true, until: null, reason: 'looking at it', by: 'cli:ann' });
    expect(nextWake(d.state, d.p)).toBeNull();
    d.at(20_000, { type: 'maintenance', on: false, by: 'cli:ann' });
    expect(d.types()).toEqual([]);
    expect(d.state.phase).toBe('held');
    const ended = d.events('maintenance.ended')[0]!;
    expect(ended.severity).toBe('warning');
    expect(ended.message).toContain('still at Level 4: run `clawback resume');
    expect(ended.message).toContain('cool-down tries again in 10s');
    expect(nextWake(d.state, d.p)).toBe(30_000);
    d.at(30_000, { type: 'tick' });
    expect(d.types()).toEqual(['start']);
  });

  it('a group peer restart and a prediction leave a held service alone', () => {
    const d = new Drive(policy({ doctorAttempts: 0 })).up(0, 10).exit(50, 78);
    d.at(60, { type: 'request', action: 'restart', by: 'group' }).at(61, { type: 'request', action: 'restart', by: 'prediction' });
    expect(d.types(d.effects.slice(-4))).toEqual([]);
    expect(d.state.phase).toBe('held');
  });
});

describe('daemon restart with work in flight (issue 16.5)', () => {
  const persisted = (kind: 'doctor' | 'agent' | 'verify'): ServiceState => {
    const d = new Drive(policy({ doctorAttempts: kind === 'doctor' ? 1 : 0, agent: AGENT })).up(0, 10).exit(50, 78);
    if (kind === 'verify') d.at(100, { type: 'agent-done', runId: d.work().id, outcome: 'completed', summary: 'ok', detail: 'ok' });
    expect(d.state.work?.kind).toBe(kind);
    return { ...d.state, instance: null, phase: 'stopped' };
  };

  it('a doctor run is re-armed with a new deadline', () => {
    const d = new Drive(policy({ doctorAttempts: 1, agent: AGENT }), persisted('doctor')).at(100_000, { type: 'boot', adopted: null });
    expect(d.types()).toEqual(['run-doctor']);
    expect(d.state.work?.deadline).toBe(105_000);
    expect(d.events('incident.action')[0]!.details).toMatchObject({ action: 'work-rearmed' });
  });

  it('a re-armed doctor run that finds nothing starts the service (the interrupted run may have repaired it) instead of climbing', () => {
    const d = new Drive(policy({ doctorAttempts: 1, agent: AGENT }), persisted('doctor')).at(100_000, { type: 'boot', adopted: null });
    d.at(100_500, { type: 'doctor-done', runId: d.work().id, outcome: 'nothing-found', summary: 'no problem found' });
    expect(d.types()).toEqual(['start']);
    expect(d.state.incident?.level).toBe(2);
    expect(d.events('incident.action').at(-1)!.message).toContain('interrupted may have repaired it');
    // Not re-armed: "nothing found" after exit 78 still climbs.
    const fresh = new Drive(policy({ doctorAttempts: 1, agent: AGENT })).up(0, 10).exit(50, 78);
    fresh.at(500, { type: 'doctor-done', runId: fresh.work().id, outcome: 'nothing-found', summary: 'no problem found' });
    expect(fresh.types()).not.toContain('start');
    expect(fresh.state.incident?.level).toBe(3);
  });

  it('an agent run counts as failed: reverted and escalated, journaled', () => {
    const d = new Drive(policy({ doctorAttempts: 0, agent: AGENT }), persisted('agent')).at(100_000, { type: 'boot', adopted: null });
    expect(d.types()).toEqual(['finish-agent']);
    expect(d.events('incident.action')[0]!.details).toMatchObject({ action: 'work-failed' });
    d.reverted(100_050);
    expect(d.state.incident?.status).toBe('waiting-human');
    expect(d.events('incident.escalated')[0]!.message).toContain('interrupted by a daemon restart');
  });

  it('a verification starts over and starts the service', () => {
    const d = new Drive(policy({ doctorAttempts: 0, agent: AGENT }), persisted('verify')).at(100_000, { type: 'boot', adopted: null });
    expect(d.types()).toEqual(['start']);
    expect(d.state.work?.kind).toBe('verify');
    expect(d.state.work?.healthySince).toBeNull();
  });
});

describe('a repair rung cut short by a daemon that kept no in-flight work (state.json of an older Clawback)', () => {
  // What a Clawback from before persisted work left when it died during its doctor run (or agent run): held, the
  // incident open at Level 2 (or 3), and no work field at all.
  const older = (level: 2 | 3, reason: 'preflight' | 'crash-loop'): ServiceState =>
    normalizeState(
      {
        desired: 'up',
        restartHistory: [1000, 2000, 3000, 4000],
        backoffAttempt: 3,
        restartsTotal: 3,
        lastExit: { code: 3, signal: null, at: 4000, uptimeMs: 500, statusKnown: true },
        held: { reason, detail: 'config file unparseable', since: 4000 },
        instance: null,
      },
      { id: 'inc-old', openedAt: 900, level, highestLevel: level, reason: 'preflight: config file unparseable', doctorRuns: 1, agentRuns: level === 3 ? 1 : 0, status: 'open' },
      'up',
    );

  it('Level 2: the doctor runs again as a re-armed run; nothing found then starts the service', () => {
    const d = new Drive(policy({ doctorAttempts: 1, agent: AGENT }), older(2, 'crash-loop')).at(100_000, { type: 'boot', adopted: null });
    expect(d.types()).toEqual(['run-doctor']);
    expect(d.state.work).toMatchObject({ kind: 'doctor', incidentId: 'inc-old', rearmed: true, deadline: 105_000 });
    expect(d.events('incident.action')[0]!.details).toMatchObject({ action: 'work-rearmed', kind: 'doctor' });
    d.at(100_500, { type: 'doctor-done', runId: d.work().id, outcome: 'nothing-found', summary: 'no problem found' });
    expect(d.types()).toEqual(['start']);
  });

  it('Level 3 (or no doctor configured): a person is told, not left with an open incident nobody works on', () => {
    for (const [state, p] of [
      [older(3, 'preflight'), policy({ doctorAttempts: 1, agent: AGENT })],
      [older(2, 'preflight'), policy({ doctorAttempts: 0 })],
    ] as const) {
      const d = new Drive(p, state).at(100_000, { type: 'boot', adopted: null });
      expect(d.state.incident).toMatchObject({ id: 'inc-old', status: 'waiting-human', level: 4 });
      expect(d.events('incident.escalated')[0]!.message).toContain('not recorded (an older Clawback)');
      expect(d.types()).toEqual([]);
    }
  });

  it('a person already told, a maintenance window or a stopped service is left as it is', () => {
    const told = { ...older(2, 'crash-loop'), held: { reason: 'human' as const, detail: 'x', since: 1 } };
    const quiet = { ...older(2, 'crash-loop'), maintenance: { since: 1, until: null, reason: 'x', by: 'me' } };
    const down = { ...older(2, 'crash-loop'), desired: 'down' as const };
    for (const state of [told, quiet, down]) {
      const d = new Drive(policy({ doctorAttempts: 1, agent: AGENT }), state).at(100_000, { type: 'boot', adopted: null });
      expect(d.types()).toEqual([]);
      expect(d.state.incident?.status).toBe('open');
    }
  });
});

describe('a backoff under way across a daemon restart', () => {
  const inBackoff = (): Drive => {
    const d = new Drive(policy()).up(0, 10).exit(100, 1);
    d.at(110, { type: 'started', instance: { pid: 11, pidStartTime: 1, startedAt: 110 }, reason: 'exit' }).exit(200, 1);
    expect(d.state.nextStartAt).toBe(300);
    return d;
  };
  /** What the next daemon loads from state.json: the record as persisted, through normalizeState. */
  const reloaded = (s: ServiceState): ServiceState => {
    const { incident, ...record } = JSON.parse(JSON.stringify(s)) as ServiceState;
    return normalizeState(record, incident, 'up');
  };

  it('keeps its time (killed or shut down): boot starts nothing, the tick at the due time does', () => {
    for (const before of [inBackoff().state, inBackoff().at(250, { type: 'shutdown', stopService: false }).state]) {
      const d = new Drive(policy(), reloaded(before)).at(260, { type: 'boot', adopted: null });
      expect(d.types()).toEqual([]);
      expect(d.state.phase).toBe('backoff');
      expect(nextWake(d.state, d.p)).toBe(300);
      d.at(300, { type: 'tick' });
      expect(d.types()).toEqual(['start']);
    }
  });

  it('a due time beyond the cap (the clock went back) is cut to the cap; a person\'s stop stays a stop', () => {
    const far = new Drive(policy(), reloaded({ ...inBackoff().state, nextStartAt: 999_999 })).at(260, { type: 'boot', adopted: null });
    expect(far.state.nextStartAt).toBe(1260);
    const stopped = new Drive(policy(), reloaded(inBackoff().at(250, { type: 'request', action: 'stop', by: 'human' }).state)).at(260, { type: 'boot', adopted: null });
    expect(stopped.types()).toEqual([]);
    expect(stopped.state.phase).toBe('stopped');
    expect(nextWake(stopped.state, stopped.p)).toBeNull();
  });
});

describe('a stop under way across a daemon restart', () => {
  const reloaded = (s: ServiceState): ServiceState => {
    const { incident, ...record } = JSON.parse(JSON.stringify(s)) as ServiceState;
    return normalizeState(record, incident, 'up');
  };
  const adopted = { pid: 10, pidStartTime: 1, startedAt: 0 };

  it('a person\'s stop or restart of the adopted instance is carried on; a stop on the last daemon\'s way out is not', () => {
    const stop = new Drive(policy(), reloaded(new Drive(policy()).up(0, 10).at(100, { type: 'request', action: 'stop', by: 'human' }).state)).at(200, { type: 'boot', adopted });
    expect(stop.types()).toEqual(['stop']);
    stop.at(300, { type: 'exited', pid: 10, code: null, signal: 'SIGKILL', at: 300, statusKnown: false });
    expect(stop.types()).toEqual([]);
    expect(stop.state.phase).toBe('stopped');
    expect(stop.events('incident.opened')).toEqual([]);

    const restart = new Drive(policy(), reloaded(new Drive(policy()).up(0, 10).at(100, { type: 'request', action: 'restart', by: 'human' }).state)).at(200, { type: 'boot', adopted });
    expect(restart.types()).toEqual(['stop']);
    restart.at(300, { type: 'exited', pid: 10, code: 0, signal: null, at: 300, statusKnown: false });
    expect(restart.types()).toEqual(['start']);
    expect(restart.events('incident.opened')).toEqual([]);

    const away = new Drive(policy(), reloaded(new Drive(policy()).up(0, 10).at(100, { type: 'shutdown', stopService: true }).state)).at(200, { type: 'boot', adopted });
    expect(away.events('daemon.adopted')[0]!.details).toEqual({ pid: 10, stopResumed: 'start' });
  });
});

describe('shutdown', () => {
  it('stops a spawned service but only releases an external one', () => {
    expect(new Drive(policy()).up(0, 10).at(10, { type: 'shutdown', stopService: true }).types()).toEqual(['stop']);
    expect(new Drive(policy({ external: true })).up(0, 10).at(10, { type: 'shutdown', stopService: true }).types()).toEqual(['release']);
    expect(new Drive(policy()).up(0, 10).at(10, { type: 'shutdown', stopService: false }).types()).toEqual(['release']);
  });

  it('a reload removing an external service says it is left running, and still releases it', () => {
    const removed = new Drive(policy({ external: true })).up(0, 10).at(10, { type: 'shutdown', stopService: true, removed: true });
    expect(removed.types()).toContain('release');
    expect(removed.events('service.left-running')).toHaveLength(1);
    const replaced = new Drive(policy({ external: true })).up(0, 10).at(10, { type: 'shutdown', stopService: true, removed: true, replaced: true });
    expect(replaced.types()).toContain('release');
    expect(replaced.events('service.left-running')).toHaveLength(0);
  });
});

describe('maintenance and approval (issue 25)', () => {
  it('during maintenance a crash is reported, not restarted, and healing comes back at the deadline', () => {
    const d = new Drive(policy()).up(0, 10);
    d.at(100, { type: 'maintenance', on: true, until: 5000, reason: 'editing the config', by: 'cli:ann' });
    d.exit(200, 1);
    expect(d.types()).toEqual([]);
    expect(d.state.incident).toBeNull();
    expect(d.events('service.exited').at(-1)!.message).toContain('maintenance: not restarted');
    d.at(300, { type: 'unhealthy', pid: 10, probe: 'http', message: 'x' });
    expect(nextWake(d.state, d.p)).toBe(5000);
    d.at(5000, { type: 'tick' });
    expect(d.types()).toEqual(['start']);
    expect(d.state.maintenance).toBeNull();
    expect(d.events('maintenance.ended')[0]!.details).toMatchObject({ by: 'the deadline' });
  });

  it('maintenance survives a daemon restart: boot does not start the service', () => {
    const d = new Drive(policy()).up(0, 10).at(100, { type: 'maintenance', on: true, until: null, reason: '', by: 'x' }).exit(200, 1);
    const again = new Drive(policy(), { ...d.state }).at(300, { type: 'boot', adopted: null });
    expect(again.types()).toEqual([]);
    again.at(400, { type: 'maintenance', on: false, by: 'cli:ann' });
    expect(again.types()).toEqual(['start']);
  });

  it('with approval required no agent runs until a person approves; a refusal or the deadline goes to a human', () => {
    const p = policy({ doctorAttempts: 0, agent: { ...AGENT, approval: 'required', approvalTimeoutMs: 60_000 } });
    const a = new Drive(p).up(0, 10).exit(50, 78);
    expect(a.state.work?.kind).toBe('approval');
    expect(a.types(a.effects)).not.toContain('run-agent');
    const id = a.state.incident!.id;
    a.at(100, { type: 'approval', incidentId: 'inc-other', approve: true, by: 'x' });
    expect(a.types()).toEqual([]);
    a.at(100, { type: 'approval', incidentId: id, approve: true, by: 'tg:42' });
    expect(a.types()).toEqual(['run-agent']);
    const b = new Drive(p).up(0, 10).exit(50, 78);
    b.at(60_050, { type: 'tick' });
    expect(b.events('incident.escalated')[0]!.message).toContain('nobody approved');
    const c = new Drive(p).up(0, 10).exit(50, 78);
    c.at(100, { type: 'approval', incidentId: c.state.incident!.id, approve: false, by: 'tg:42' });
    expect(c.events('incident.escalated')[0]!.message).toContain('tg:42 refused');
  });
});
