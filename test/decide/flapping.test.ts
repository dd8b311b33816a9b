// A flapping service (healthy a moment after each start, then down again) is one incident, not one per crash.
import { describe, expect, it } from 'vitest';
import { nextWake } from '../../src/decide/decide.js';
import { normalizeState, type Incident, type ServiceState } from '../../src/decide/service-state.js';
import { testPolicy } from './policy-fixture.js';
import { ReducerDrive } from './drive.js';
import { emptyBook, planEvent, withMessageId } from '../../src/notify/incident-thread.js';
import type { ClawbackEvent } from '../../src/observe/events.js';

/** The instance dies `lifeMs` after each start and is judged healthy `healthyAfterMs` after it; returns the drive. */
function crashLoop(crashes: number, lifeMs = 1500, healthyAfterMs = 300): ReducerDrive {
  const d = new ReducerDrive(testPolicy({ backoff: { initial: 100, max: 1000, multiplier: 2, jitter: 0 }, intensity: { maxRestarts: 5, window: 60_000 }, doctorAttempts: 0 }));
  let now = 0;
  let pid = 10;
  d.up(now, pid);
  for (let i = 0; i < crashes; i++) {
    d.at(now + healthyAfterMs, { type: 'healthy', pid });
    now += lifeMs;
    d.at(now, { type: 'exited', pid, code: 1, signal: null, at: now, statusKnown: true });
    if (d.state.held) break;
    if (d.state.phase === 'backoff') {
      now = d.state.nextStartAt!;
      d.at(now, { type: 'tick' });
    }
    pid++;
    d.at(now, { type: 'started', instance: { pid, pidStartTime: 1, startedAt: now }, reason: 'exit' });
  }
  return d;
}

describe('a crash loop is one incident', () => {
  it('crashes soon after each healthy start stay in the incident the first crash opened, up to the breaker', () => {
    const d = crashLoop(10);
    expect(d.events('incident.opened')).toHaveLength(1);
    expect(d.events('incident.resolved')).toHaveLength(0);
    expect(d.state.held?.reason).toBe('crash-loop');
    const id = d.events('incident.opened')[0]!.incidentId;
    expect(d.events('incident.escalated').map((e) => e.incidentId)).toEqual([id]);
    // every exit of the loop belongs to that one incident (one thread, one alert per step)
    expect(new Set(d.events('service.exited').map((e) => e.incidentId))).toEqual(new Set([id]));
  });

  it('one crash then health that holds: resolved after the confirm time, TTR from the exit to the first healthy verdict', () => {
    const d = new ReducerDrive(testPolicy({ confirmAfterMs: 2000 })).up(0, 10);
    d.at(5000, { type: 'exited', pid: 10, code: 1, signal: null, at: 5000, statusKnown: true });
    d.at(5000, { type: 'started', instance: { pid: 11, pidStartTime: 1, startedAt: 5000 }, reason: 'exit' });
    d.at(5400, { type: 'healthy', pid: 11 });
    expect(d.state.incident).not.toBeNull();
    expect(nextWake(d.state, d.p)).toBe(7400);
    d.at(7400, { type: 'tick' });
    expect(d.state.incident).toBeNull();
    expect(d.events('incident.resolved')).toHaveLength(1);
    expect(d.events('incident.resolved')[0]!.details).toMatchObject({ ttrMs: 400, highestLevel: 0, outcome: 'auto-resolved' });
  });

  it('recovered, then stopped by a person before the confirm time: resolved at the stop (TTR to the healthy verdict), not left open', () => {
    const d = new ReducerDrive(testPolicy({ confirmAfterMs: 5000 })).up(0, 10);
    d.at(5000, { type: 'exited', pid: 10, code: 1, signal: null, at: 5000, statusKnown: true });
    d.at(5000, { type: 'started', instance: { pid: 11, pidStartTime: 1, startedAt: 5000 }, reason: 'exit' });
    d.at(5400, { type: 'healthy', pid: 11 });
    d.at(6000, { type: 'request', action: 'stop', by: 'human' });
    expect(d.state.incident).toBeNull();
    expect(d.events('incident.resolved')[0]!.details).toMatchObject({ ttrMs: 400, outcome: 'auto-resolved' });
    d.at(6100, { type: 'exited', pid: 11, code: 0, signal: null, at: 6100, statusKnown: true });
    expect(d.events('service.stopped')).toHaveLength(1);
    expect(nextWake(d.state, d.p)).toBeNull();
  });

  it('still crash-looping (not recovered) when a person stops it: the incident is closed by the stop, not as a recovery', () => {
    const d = new ReducerDrive(testPolicy()).up(0, 10);
    d.at(5000, { type: 'exited', pid: 10, code: 1, signal: null, at: 5000, statusKnown: true });
    d.at(5000, { type: 'started', instance: { pid: 11, pidStartTime: 1, startedAt: 5000 }, reason: 'exit' });
    d.at(5100, { type: 'request', action: 'stop', by: 'human' });
    // Wanted down, nothing would ever resolve it: left open, it reminded for ever and kept incidents_open at 1.
    expect(d.state.incident).toBeNull();
    expect(d.events('incident.resolved')).toHaveLength(1);
    expect(d.events('incident.resolved')[0]!.details).toMatchObject({ closedBy: 'stop', outcome: 'human-resolved' });
  });

  it('a probe that flaps (unhealthy, restart, healthy, unhealthy again within the confirm time) stays one incident', () => {
    const d = new ReducerDrive(testPolicy({ confirmAfterMs: 5000, doctorAttempts: 0, intensity: { maxRestarts: 3, window: 60_000 } })).up(0, 10);
    let pid = 10;
    let now = 0;
    for (let i = 0; i < 4 && !d.state.held; i++) {
      d.at(now + 100, { type: 'healthy', pid });
      now += 2000;
      d.at(now, { type: 'unhealthy', pid, probe: 'http', message: '500' });
      if (d.state.afterStop?.then !== 'start') break;
      d.at(now + 10, { type: 'exited', pid, code: null, signal: 'SIGTERM', at: now + 10, statusKnown: true });
      pid++;
      d.at(now + 20, { type: 'started', instance: { pid, pidStartTime: 1, startedAt: now + 20 }, reason: 'probe' });
    }
    expect(d.events('incident.opened')).toHaveLength(1);
    expect(d.events('incident.resolved')).toHaveLength(0);
    expect(d.state.held?.reason).toBe('crash-loop');
  });
});

/**
 * A slow crash loop (OpenClaw-like: healthy `healthyAfterMs` after each start, dies `lifeMs` after it, far past the
 * confirm time): every tick the reducer asks for is honoured, so the confirm time and backoff run as in the daemon.
 */
function slowLoop(d: ReducerDrive, crashes: number, lifeMs = 60_000, healthyAfterMs = 15_000, startAt = 0, firstPid = 10): { now: number; pid: number } {
  let now = startAt;
  let pid = firstPid;
  if (d.state.phase !== 'running') d.up(now, pid);
  const until = (t: number): void => {
    for (let i = 0; i < 50; i++) {
      const wake = nextWake(d.state, d.p);
      if (wake === null || wake > t) break;
      d.at(wake, { type: 'tick' });
    }
  };
  for (let i = 0; i < crashes && !d.state.held; i++) {
    until(now + healthyAfterMs);
    d.at(now + healthyAfterMs, { type: 'healthy', pid });
    until(now + lifeMs);
    now += lifeMs;
    d.at(now, { type: 'exited', pid, code: 1, signal: null, at: now, statusKnown: true });
    if (d.state.held) break;
    if (d.state.phase === 'backoff') {
      now = d.state.nextStartAt!;
      d.at(now, { type: 'tick' });
    }
    pid++;
    d.at(now, { type: 'started', instance: { pid, pidStartTime: 1, startedAt: now }, reason: 'exit' });
  }
  return { now, pid };
}

const SLOW = { confirmAfterMs: 5000, stableAfterMs: 30_000, intensity: { maxRestarts: 10, window: 180_000 }, backoff: { initial: 1000, max: 60_000, multiplier: 2, jitter: 0 } };

describe('a slow flapper (healthy past the confirm time, then down again) is one series, bounded and escalated', () => {
  it('a crash every 60 s: numbered recurrences of the first incident, a growing backoff, and past maxRecurrences the breaker and the doctor', () => {
    const d = new ReducerDrive(testPolicy({ ...SLOW, doctorAttempts: 1, flapping: { windowMs: 600_000, maxRecurrences: 4 } }));
    slowLoop(d, 30);
    const opened = d.events('incident.opened');
    // the intensity window (10 in 3 min) never fills at one crash a minute: the series limit is what trips
    expect(opened).toHaveLength(6);
    const first = opened[0]!.incidentId;
    expect(opened[0]!.details?.['recurrence']).toBeUndefined();
    expect(opened.slice(1).map((e) => e.details?.['recurrence'])).toEqual([1, 2, 3, 4, 5]);
    expect(opened.slice(1).every((e) => e.details?.['firstIncidentId'] === first)).toBe(true);
    expect(opened[1]!.message).toMatch(/recurrence 1: it failed again within 10m0s of recovering; flapping since incident inc-1/);
    // every recovery before the trip resolved on its own, with its own TTR (exit -> healthy 15 s later)
    const resolved = d.events('incident.resolved');
    expect(resolved).toHaveLength(5);
    expect(resolved.every((e) => e.details?.['ttrMs'] !== undefined && (e.details['ttrMs'] as number) >= 15_000)).toBe(true);
    // the backoff grew across the recoveries instead of starting over at 0 each time
    const delays = d.events('service.restart-scheduled').map((e) => e.details?.['delayMs']);
    expect(delays).toEqual([0, 1000, 2000, 4000, 8000]);
    // recurrence 5 > 4: held as a crash loop, the doctor runs (Level 2)
    expect(d.state.held?.reason).toBe('crash-loop');
    expect(d.state.held?.detail).toMatch(/^flapping: 5 recurrences in .+, each within 10m0s of recovering \(limit 4\)/);
    expect(d.events('breaker.tripped')).toHaveLength(1);
    expect(d.state.work?.kind).toBe('doctor');
    expect(d.state.incident?.level).toBe(2);
  });

  it('alerts stay bounded however long it flaps: the first incident, the first recurrence, then only the page', () => {
    const d = new ReducerDrive(testPolicy({ ...SLOW, doctorAttempts: 0, flapping: { windowMs: 600_000, maxRecurrences: 10 } }));
    slowLoop(d, 40);
    expect(d.state.held?.reason).toBe('crash-loop');
    for (const canEdit of [false, true]) {
      let book = emptyBook();
      let sent = 0;
      for (const e of d.events()) {
        const plan = planEvent(book, e as ClawbackEvent, { canEdit, kind: 'event' });
        book = plan.book;
        if (plan.plan.send !== 'new') continue;
        sent++;
        // an editable channel's post becomes the live message its thread edits from now on
        if (canEdit && plan.thread) book = withMessageId(book, plan.thread.incidentId, `m${sent}`);
      }
      // the first incident and the first recurrence (opened and resolved each, or one live message each when it can be
      // edited), then the page; nothing for recurrences 2..11 (before the fix: two messages per crash, 24 here)
      expect(sent).toBe(canEdit ? 3 : 5);
    }
  });

  it('a probe that fails every 20 s (healthy between, past the confirm time) trips the breaker past maxRecurrences instead of restarting for ever', () => {
    const d = new ReducerDrive(testPolicy({ ...SLOW, doctorAttempts: 0, flapping: { windowMs: 600_000, maxRecurrences: 5 } })).up(0, 10);
    let pid = 10;
    let now = 0;
    for (let i = 0; i < 60 && !d.state.held; i++) {
      d.at(now + 2000, { type: 'healthy', pid });
      d.at(now + 8000, { type: 'tick' });
      now += 20_000;
      d.at(now, { type: 'unhealthy', pid, probe: 'http', message: '500' });
      if (d.state.afterStop?.then !== 'start') break;
      d.at(now + 10, { type: 'exited', pid, code: null, signal: 'SIGTERM', at: now + 10, statusKnown: true });
      pid++;
      d.at(now + 20, { type: 'started', instance: { pid, pidStartTime: 1, startedAt: now + 20 }, reason: 'probe' });
    }
    expect(d.events('incident.opened')).toHaveLength(7);
    expect(d.state.held?.reason).toBe('crash-loop');
    expect(d.state.incident?.status).toBe('waiting-human');
    expect(d.events('incident.escalated')[0]!.message).toMatch(/flapping: 6 recurrences/);
  });

  it('a channel that fails again after each scoped restart (healthy between, past the confirm time) trips the breaker past maxRecurrences instead of restarting the channel for ever', () => {
    const d = new ReducerDrive(testPolicy({ ...SLOW, doctorAttempts: 0, scopedRestart: { settleMs: 1000 }, flapping: { windowMs: 600_000, maxRecurrences: 5 } })).up(0, 10);
    const channelFails = { type: 'unhealthy', pid: 10, probe: 'readiness', finding: 'readiness:channel:telegram', message: 'channel telegram failing' } as const;
    let now = 0;
    for (let i = 0; i < 60 && !d.state.held; i++) {
      d.at(now + 2000, { type: 'healthy', pid: 10 });
      d.at(now + 8000, { type: 'tick' });
      now += 20_000;
      d.at(now, channelFails);
    }
    // the scoped restart counts toward no breaker; the series limit bounds it (before: one channel restart per failure, for ever)
    expect(d.effects.filter((e) => e.type === 'restart-scope')).toHaveLength(6);
    expect(d.events('incident.opened')).toHaveLength(7);
    expect(d.state.held?.reason).toBe('crash-loop');
    expect(d.state.held?.detail).toMatch(/^flapping: 6 recurrences in .+ \(limit 5\)/);
    expect(d.last.filter((e) => e.type !== 'emit').map((e) => e.type)).toEqual(['stop']);
    expect(d.state.afterStop).toEqual({ then: 'hold' });
    expect(d.state.incident?.status).toBe('waiting-human');
    expect(d.events('incident.escalated')[0]!.message).toMatch(/flapping: 6 recurrences/);
  });

  it('with the series turned off (flapping window 0), a channel that fails again after each scoped restart is bounded by the restart window like any restart, not restarted alone for ever', () => {
    const d = new ReducerDrive(testPolicy({ ...SLOW, doctorAttempts: 0, scopedRestart: { settleMs: 1000 }, flapping: { windowMs: 0, maxRecurrences: 5 } })).up(0, 10);
    const channelFails = { type: 'unhealthy', pid: 10, probe: 'readiness', finding: 'readiness:channel:telegram', message: 'channel telegram failing' } as const;
    let now = 0;
    for (let i = 0; i < 60 && !d.state.held; i++) {
      d.at(now + 2000, { type: 'healthy', pid: 10 });
      d.at(now + 8000, { type: 'tick' });
      now += 15_000;
      d.at(now, channelFails);
    }
    // intensity 10 within 180 s: ten scoped restarts, then the eleventh failure trips the breaker (before: 60 scoped restarts, 60 quiet incidents, no page)
    expect(d.effects.filter((e) => e.type === 'restart-scope')).toHaveLength(10);
    expect(d.state.held?.reason).toBe('crash-loop');
    expect(d.state.held?.detail).toMatch(/^10 restarts within 3m0s \(limit 10\), then it failed again/);
    expect(d.last.filter((e) => e.type !== 'emit').map((e) => e.type)).toEqual(['stop']);
    expect(d.state.incident?.status).toBe('waiting-human');
    expect(d.events('incident.escalated')).toHaveLength(1);
  });

  it('the cool-down retry of a flapping series at Level 4 keeps the series: back to Level 4 at its next failure, not a fresh climb (new series, doctor) each cool-down', () => {
    const d = new ReducerDrive(testPolicy({ ...SLOW, coolDownMs: 1_800_000, doctorAttempts: 1, flapping: { windowMs: 600_000, maxRecurrences: 3 } })).up(0, 10);
    let now = 0;
    let pid = 10;
    let starts = 1;
    // six hours of a service that crashes a minute after each start (healthy after 15 s), left alone by everyone
    for (let i = 0; i < 2000 && now < 6 * 3_600_000; i++) {
      const s = d.state;
      if (s.work?.kind === 'doctor') d.at((now += 1000), { type: 'doctor-done', runId: s.work.id, outcome: 'nothing-found', summary: 'no problem found' });
      else if (s.phase === 'starting') d.at(now, { type: 'started', instance: { pid: ++pid, pidStartTime: 1, startedAt: now }, reason: 'exit' }), starts++;
      else if (s.phase === 'backoff') d.at((now = s.nextStartAt!), { type: 'tick' });
      else if (s.phase === 'running') {
        d.at(now + 15_000, { type: 'healthy', pid });
        d.at(now + 21_000, { type: 'tick' });
        now += 60_000;
        d.at(now, { type: 'exited', pid, code: 1, signal: null, at: now, statusKnown: true });
      } else if (s.coolDownUntil !== null) d.at((now = s.coolDownUntil), { type: 'tick' });
      else break;
    }
    const escalated = d.events('incident.escalated');
    // 12 cool-down retries in 6 h: each one start and straight back to Level 4 (before: a new series of 4 incidents, 4
    // starts and a doctor run per retry; the page a "needs a human" of a new incident each time)
    expect(escalated.length).toBeGreaterThanOrEqual(10);
    expect(d.events('incident.action').filter((e) => e.details?.['action'] === 'doctor')).toHaveLength(1);
    expect(starts).toBeLessThan(4 + 2 * escalated.length);
    expect(escalated.slice(1).every((e) => /came back after the repair/.test(e.message))).toBe(true);
  });

  it('a service that then ran clean for the window starts fresh: no recurrence, an immediate restart', () => {
    const d = new ReducerDrive(testPolicy({ ...SLOW, flapping: { windowMs: 600_000, maxRecurrences: 10 } }));
    const { now, pid } = slowLoop(d, 3);
    expect(d.state.flapping?.recurrences).toBe(2);
    d.at(now + 15_000, { type: 'healthy', pid });
    d.at(now + 20_000, { type: 'tick' });
    expect(d.state.incident).toBeNull();
    // the wake that ends the series, then a crash 10 min later
    expect(nextWake(d.state, d.p)).toBe(now + 20_000 + 600_000);
    d.at(now + 620_000, { type: 'tick' });
    expect(d.state.flapping).toBeNull();
    expect(d.state.backoffAttempt).toBe(0);
    d.at(now + 700_000, { type: 'exited', pid, code: 1, signal: null, at: now + 700_000, statusKnown: true });
    expect(d.events('incident.opened').at(-1)!.details?.['recurrence']).toBeUndefined();
    expect(d.events('service.restart-scheduled').at(-1)!.details?.['delayMs']).toBe(0);
  });

  it("a person's resume or restart starts fresh (drill trials resume before each fault): the next crash is a new story", () => {
    for (const action of ['resume', 'restart'] as const) {
      const d = new ReducerDrive(testPolicy({ ...SLOW, flapping: { windowMs: 600_000, maxRecurrences: 10 } }));
      const { now, pid } = slowLoop(d, 2);
      d.at(now + 15_000, { type: 'healthy', pid });
      d.at(now + 20_000, { type: 'tick' });
      expect(d.state.flapping).not.toBeNull();
      d.at(now + 21_000, { type: 'request', action, by: 'human' });
      expect(d.state.flapping).toBeNull();
    }
  });

  it('rolled back to an older Clawback (it keeps no series, carries the field along) and forward again: its own incidents do not continue the old series', () => {
    const policy = testPolicy({ ...SLOW, doctorAttempts: 0, flapping: { windowMs: 600_000, maxRecurrences: 3 } });
    const d = new ReducerDrive(policy);
    const { now } = slowLoop(d, 4);
    expect(d.state.incident?.recurrence).toBe(3);
    const { incident: _open, ...record } = JSON.parse(JSON.stringify(d.state)) as ServiceState;
    // The older daemon resolved that incident, ran clean for an hour, then saw one crash: its incident has no number,
    // and the record it saved still holds the series exactly as the newer daemon left it.
    const later = now + 3_600_000;
    const older = { ...record, phase: 'running', instance: { pid: 99, pidStartTime: 1, startedAt: later }, held: null };
    const itsIncident: Incident = { id: 'inc-older', openedAt: later, level: 0, highestLevel: 0, reason: 'process ended (exit code 1)', doctorRuns: 0, agentRuns: 0, status: 'open', recoveredAt: null };
    const e = new ReducerDrive(policy, normalizeState(older, itsIncident, 'up'));
    e.at(later + 1000, { type: 'boot', adopted: { pid: 99, pidStartTime: 1, startedAt: later } });
    e.at(later + 15_000, { type: 'healthy', pid: 99 });
    e.at(later + 20_000, { type: 'tick' });
    expect(e.events('incident.resolved')).toHaveLength(1);
    // One crash soon after: recurrence 1 of a series its incident starts, not recurrence 4 of the one that ended an hour
    // ago (that one tripped the breaker: held at Level 4 after a single crash).
    e.at(later + 60_000, { type: 'exited', pid: 99, code: 1, signal: null, at: later + 60_000, statusKnown: true });
    expect(e.events('incident.opened').at(-1)!.details).toMatchObject({ recurrence: 1, firstIncidentId: 'inc-older' });
    expect(e.state.held).toBeNull();
  });

  it('a series saved by the same version still continues across a daemon restart', () => {
    const policy = testPolicy({ ...SLOW, doctorAttempts: 0, flapping: { windowMs: 600_000, maxRecurrences: 10 } });
    const d = new ReducerDrive(policy);
    slowLoop(d, 3);
    const { incident, ...record } = JSON.parse(JSON.stringify(d.state)) as ServiceState;
    expect(normalizeState(record, incident, 'up').flapping).toEqual(d.state.flapping);
  });

  it('drill-like crashes a few seconds after each confirmed recovery: each incident resolves with its own TTR', () => {
    const d = new ReducerDrive(testPolicy({ ...SLOW, confirmAfterMs: 2000, flapping: { windowMs: 600_000, maxRecurrences: 10 } })).up(0, 10);
    let now = 0;
    let pid = 10;
    for (let i = 0; i < 5; i++) {
      d.at(now + 500, { type: 'healthy', pid });
      d.at(now + 2500, { type: 'tick' });
      now += 4000;
      d.at(now, { type: 'exited', pid, code: null, signal: 'SIGKILL', at: now, statusKnown: true });
      if (d.state.phase === 'backoff') {
        now = d.state.nextStartAt!;
        d.at(now, { type: 'tick' });
      }
      pid++;
      d.at(now, { type: 'started', instance: { pid, pidStartTime: 1, startedAt: now }, reason: 'exit' });
    }
    d.at(now + 500, { type: 'healthy', pid });
    d.at(now + 2500, { type: 'tick' });
    expect(d.state.incident).toBeNull();
    const ttrs = d.events('incident.resolved').map((e) => e.details?.['ttrMs']);
    // the kill -> healthy, per incident: 500 ms, plus the backoff the series adds (1 s, 2 s, 4 s) after the first
    expect(ttrs).toEqual([500, 1500, 2500, 4500, 8500]);
  });
});

describe('a flapping series whose doctor "fixes" something each time (a stale lock the crash leaves)', () => {
  it('the second trip of the series climbs past the doctor and pages a person, instead of a quiet doctor run per crash for ever', () => {
    const d = new ReducerDrive(testPolicy({ ...SLOW, doctorAttempts: 2, flapping: { windowMs: 600_000, maxRecurrences: 3 } })).up(0, 10);
    let now = 0;
    let pid = 10;
    for (let i = 0; i < 40 && d.state.incident?.status !== 'waiting-human'; i++) {
      d.at(now + 15_000, { type: 'healthy', pid });
      d.at(now + 21_000, { type: 'tick' });
      now += 60_000;
      d.at(now, { type: 'exited', pid, code: 1, signal: null, at: now, statusKnown: true });
      // the doctor moves the stale lock aside: "fixed", and the service runs again until the next crash
      const w = d.state.work;
      if (w?.kind === 'doctor') d.at((now += 1000), { type: 'doctor-done', runId: w.id, outcome: 'fixed', summary: 'stale-lock: moved aside' });
      if (d.state.phase === 'backoff') d.at((now = d.state.nextStartAt!), { type: 'tick' });
      if (d.state.phase !== 'starting') break;
      pid++;
      d.at(now, { type: 'started', instance: { pid, pidStartTime: 1, startedAt: now }, reason: 'exit' });
    }
    // one doctor run for the series (at its first trip); before: one per crash, 36 in 40 minutes, and no page ever
    expect(d.events('incident.action').filter((e) => e.details?.['action'] === 'doctor')).toHaveLength(1);
    expect(d.events('breaker.tripped')).toHaveLength(2);
    expect(d.state.incident?.status).toBe('waiting-human');
    const escalated = d.events('incident.escalated');
    expect(escalated).toHaveLength(1);
    expect(escalated[0]!.message).toMatch(/flapping: 5 recurrences .+ came back after the repair, so the doctor is not run again/);
    // the quiet series still pages the person
    let book = emptyBook();
    let paged = 0;
    for (const e of d.events()) {
      const plan = planEvent(book, e as ClawbackEvent, { canEdit: false, kind: 'event' });
      book = plan.book;
      if (plan.plan.send === 'new' && e.type === 'incident.escalated') paged++;
    }
    expect(paged).toBe(1);
  });
});

describe('a quiet recurrence that then cannot be started (the daemon out of processes: EAGAIN under a pids limit)', () => {
  it('tells a person once that it is down, instead of nothing while every start is refused', () => {
    const d = new ReducerDrive(testPolicy({ ...SLOW, flapping: { windowMs: 600_000, maxRecurrences: 10 } }));
    const start = slowLoop(d, 3);
    const pid = start.pid;
    let now = start.now;
    // recurrence 2 recovers; then it crashes, and from then on the fork fails (reproduced: 23 EAGAIN starts in 40 s, 0 alerts)
    d.at(now + 15_000, { type: 'healthy', pid });
    d.at(now + 21_000, { type: 'tick' });
    d.at((now += 60_000), { type: 'exited', pid, code: 1, signal: null, at: now, statusKnown: true });
    expect(d.state.incident?.recurrence).toBe(3);
    for (let i = 0; i < 20; i++) {
      if (d.state.phase === 'backoff') d.at((now = d.state.nextStartAt!), { type: 'tick' });
      d.at(now, { type: 'start-failed', error: 'node: spawn node EAGAIN', exhausted: true });
    }
    expect(d.state.incident?.status).toBe('open');
    for (const canEdit of [false, true]) {
      let book = emptyBook();
      const sent: string[] = [];
      for (const e of d.events()) {
        const plan = planEvent(book, e as ClawbackEvent, { canEdit, kind: 'event' });
        book = plan.book;
        if (plan.plan.send === 'none') continue;
        if (plan.plan.send === 'new' && canEdit && plan.thread) book = withMessageId(book, plan.thread.incidentId, `m${sent.length}`);
        if (e.incidentId === d.state.incident!.id) sent.push(`${plan.plan.send} ${e.type}`);
      }
      // one new message for the down service (later refusals edit it where the channel can), not silence
      expect(sent[0]).toBe('new service.exited');
      expect(sent.filter((s) => s.startsWith('new'))).toHaveLength(1);
      if (!canEdit) expect(sent).toHaveLength(1);
    }
  });
});

describe('a start the daemon could not fork (EAGAIN) after a flapping series recovered', () => {
  it('opens an incident that is no recurrence of the series (it did not fail again), and the series goes on from where it was', () => {
    const d = new ReducerDrive(testPolicy({ ...SLOW, flapping: { windowMs: 600_000, maxRecurrences: 10 } }));
    const start = slowLoop(d, 3);
    let now = start.now;
    d.at(now + 15_000, { type: 'healthy', pid: start.pid });
    d.at(now + 21_000, { type: 'tick' });
    expect(d.state.flapping?.recurrences).toBe(2);
    // maintenance: its crash is not restarted; when it ends, the start is refused for the daemon's lack of processes
    d.at((now += 30_000), { type: 'maintenance', on: true, by: 'ops' });
    d.at((now += 10_000), { type: 'exited', pid: start.pid, code: 1, signal: null, at: now, statusKnown: true });
    d.at((now += 10_000), { type: 'maintenance', on: false, by: 'ops' });
    d.at(now, { type: 'start-failed', error: 'node: spawn node EAGAIN', exhausted: true });
    const opened = d.events('incident.opened').at(-1)!;
    // before: 'could not be started: ... not counted as a crash loop (recurrence 3: it failed again within 10m0s of recovering; ...)'
    expect(opened.details?.['recurrence']).toBeUndefined();
    expect(opened.message).not.toMatch(/recurrence/);
    expect(d.state.flapping?.recurrences).toBe(2);
    // the fork works again: it recovers; its next real failure continues the series
    d.at((now = d.state.nextStartAt!), { type: 'tick' });
    d.at(now, { type: 'started', instance: { pid: 99, pidStartTime: 1, startedAt: now }, reason: 'exit' });
    d.at(now + 1000, { type: 'healthy', pid: 99 });
    d.at(now + 7000, { type: 'tick' });
    expect(d.state.incident).toBeNull();
    d.at((now += 60_000), { type: 'exited', pid: 99, code: 1, signal: null, at: now, statusKnown: true });
    expect(d.events('incident.opened').at(-1)!.details?.['recurrence']).toBe(3);
  });
});
