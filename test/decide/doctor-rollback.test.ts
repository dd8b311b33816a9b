// A doctor run that rewrote a user's file is verified like an agent's fix, and its file changes are put back when the
// service is not healthy after it (DESIGN "Do no harm": a repair rolls itself back when the result is not healthy).
import { describe, expect, it } from 'vitest';
import type { DoctorFileChange } from '../../src/decide/inputs.js';
import { nextWake } from '../../src/decide/decide.js';
import { normalizeState } from '../../src/decide/service-state.js';
import { testPolicy } from './policy-fixture.js';
import { ReducerDrive } from './drive.js';

const FILE: DoctorFileChange = { path: '/x/gw.json', before: 'a'.repeat(64), after: 'b'.repeat(64), snapshotId: 'snap-1' };
const REPAIR = 'fixed: config file invalid: removed newFeature; the original is kept at /x/gw.json.corrupt-1; left: nothing';

class Drive extends ReducerDrive {
  exit(now: number, code: number | null): this {
    const pid = this.state.instance!.pid;
    return this.at(now, { type: 'exited', pid, code, signal: null, at: now, statusKnown: true });
  }
  start(now: number, pid: number, reason: 'doctor' | 'manual' | 'verify' = 'doctor'): this {
    return this.at(now, { type: 'started', instance: { pid, pidStartTime: 1, startedAt: now }, reason });
  }
  /** The service refuses the config (the user's new key): the preflight holds it and the doctor runs. */
  toDoctor(): this {
    this.at(0, { type: 'boot', adopted: null }).at(10, { type: 'preflight-failed', problem: 'config file invalid: unknown key newFeature' });
    expect(this.state.work?.kind).toBe('doctor');
    return this;
  }
  fixed(now: number, files: DoctorFileChange[] = [FILE], otherRepairs?: string[]): this {
    return this.at(now, { type: 'doctor-done', runId: this.state.work!.id, outcome: 'fixed', summary: REPAIR, files, ...(otherRepairs ? { otherRepairs } : {}) });
  }
}

describe("the doctor's file repairs are verified and rolled back", () => {
  it('the measured sequence: the key removed, the service still exits 1 at start: the file is put back, then Level 4 says so', () => {
    const d = new Drive(testPolicy({ doctorAttempts: 2 })).toDoctor();
    const doctorRun = d.state.work!.id;
    d.fixed(100);
    expect(d.state.work).toMatchObject({ kind: 'verify', doctorRunId: doctorRun, doctorFiles: [FILE] });
    expect(d.types()).toContain('start');
    // An unrelated dependency is broken: it exits 1 at once.
    d.start(120, 11).exit(150, 1);
    expect(d.last).toContainEqual(expect.objectContaining({ type: 'revert-doctor', runId: doctorRun, files: [FILE] }));
    expect(d.state.work).toMatchObject({ kind: 'revert', doctorRunId: doctorRun });
    expect(d.state.held?.reason).toBe('repair');
    // Nothing starts while the files go back.
    expect(d.types()).not.toContain('start');
    expect(d.state.incident?.status).toBe('open');
    d.at(300, { type: 'doctor-reverted', runId: doctorRun, reverted: ["/x/gw.json (the doctor's version is kept at /x/gw.json.doctor-undone-1)"], kept: [] });
    // No second doctor run on the same failure (it would remove the key again): the next rung (no agent: a human).
    expect(d.effects.filter((e) => e.type === 'run-doctor')).toHaveLength(1);
    expect(d.state.incident?.status).toBe('waiting-human');
    expect(d.state.incident?.repairsKept).toBeUndefined();
    const esc = d.events('incident.escalated');
    expect(esc).toHaveLength(1);
    expect(esc[0]!.message).toContain("the doctor's file changes were undone");
    expect(esc[0]!.message).toContain('/x/gw.json.doctor-undone-1');
    expect(esc[0]!.message).not.toContain('still in place');
    expect(d.events('incident.action').some((e) => e.details?.action === 'doctor-reverted')).toBe(true);
  });

  it('a file changed since the doctor wrote it is kept and said so; repairs that are no file are said not reverted', () => {
    const d = new Drive(testPolicy()).toDoctor();
    const run = d.state.work!.id;
    d.fixed(100, [FILE], ['stale lock /x/gw.lock: removed']);
    d.start(120, 11).at(200, { type: 'unhealthy', pid: 11, probe: 'http', message: '500' });
    expect(d.state.work?.kind).toBe('revert');
    d.at(300, { type: 'doctor-reverted', runId: run, reverted: [], kept: ['/x/gw.json changed since the doctor wrote it (saved by someone or the service), kept as it is now'] });
    const esc = d.events('incident.escalated')[0]!;
    expect(esc.message).toContain('not all undone');
    expect(esc.message).toContain('changed since the doctor wrote it');
    expect(esc.message).toContain('are not reverted: stale lock /x/gw.lock: removed');
    expect(d.state.incident?.repairsKept).toHaveLength(1);
  });

  it('health held for the window: the repair stays, the incident resolves, nothing is reverted', () => {
    const d = new Drive(testPolicy({ doctorVerifyWindowMs: 2000 })).toDoctor();
    d.fixed(100).start(120, 11).at(500, { type: 'healthy', pid: 11 });
    expect(nextWake(d.state, d.p)).toBe(2500);
    d.at(2500, { type: 'tick' });
    expect(d.state.work).toBeNull();
    expect(d.state.incident).toBeNull();
    expect(d.effects.some((e) => e.type === 'revert-doctor')).toBe(false);
    expect(d.events('incident.resolved')).toHaveLength(1);
  });

  it("a run that rewrote a file but left the rest unfixed (a stranger's port): the file is put back before the climb, nothing started", () => {
    const d = new Drive(testPolicy({ doctorAttempts: 2 })).toDoctor();
    const doctorRun = d.state.work!.id;
    const summary = 'fixed: config file invalid: restored last-known-good; left: port 18789 is held by another program';
    d.at(100, { type: 'doctor-done', runId: doctorRun, outcome: 'not-fixed', summary, files: [FILE], otherRepairs: [] });
    expect(d.last).toContainEqual(expect.objectContaining({ type: 'revert-doctor', runId: doctorRun, files: [FILE] }));
    expect(d.state.work).toMatchObject({ kind: 'revert', doctorRunId: doctorRun });
    expect(d.types()).not.toContain('start');
    expect(d.state.incident?.status).toBe('open');
    d.at(300, { type: 'doctor-reverted', runId: doctorRun, reverted: ["/x/gw.json (the doctor's version is kept at /x/gw.json.doctor-undone-1)"], kept: [] });
    expect(d.effects.filter((e) => e.type === 'run-doctor')).toHaveLength(1);
    expect(d.state.incident?.status).toBe('waiting-human');
    const esc = d.events('incident.escalated');
    expect(esc).toHaveLength(1);
    expect(esc[0]!.message).toContain("the doctor's file changes were undone");
    expect(esc[0]!.message).toContain('port 18789 is held by another program');
  });

  it('a run that left the rest unfixed and changed no file climbs at once, as before', () => {
    const d = new Drive(testPolicy({ doctorAttempts: 2 })).toDoctor();
    d.at(100, { type: 'doctor-done', runId: d.state.work!.id, outcome: 'not-fixed', summary: 'fixed: nothing; left: port held', files: [] });
    expect(d.effects.some((e) => e.type === 'revert-doctor')).toBe(false);
    expect(d.state.incident?.status).toBe('waiting-human');
  });

  it('not healthy within the window and its allowance: reverted at the deadline', () => {
    const d = new Drive(testPolicy()).toDoctor();
    d.fixed(100).start(120, 11);
    const w = d.state.work!;
    d.at(w.deadline, { type: 'tick' });
    expect(d.types()).toContain('revert-doctor');
  });

  it("a service slow to start (its probes' start-up grace, 120 s for OpenClaw cold) is waited for: a good repair is not put back at 32 s", () => {
    const d = new Drive(testPolicy({ startupGraceMs: 120_000 })).toDoctor();
    d.fixed(100).start(120, 11);
    expect(d.state.work!.deadline).toBeGreaterThanOrEqual(100 + 2000 + 120_000);
    d.at(100 + 2000 + 30_000, { type: 'tick' });
    expect(d.types()).not.toContain('revert-doctor');
    d.at(80_000, { type: 'healthy', pid: 11 }).at(82_000, { type: 'tick' });
    expect(d.state.work).toBeNull();
    expect(d.effects.some((e) => e.type === 'revert-doctor')).toBe(false);
  });

  it('a fix that changed no file (a stale lock) is not verified: the service restarts as before', () => {
    const d = new Drive(testPolicy()).toDoctor();
    d.fixed(100, []);
    expect(d.state.work).toBeNull();
    d.start(120, 11).exit(150, 1);
    expect(d.effects.some((e) => e.type === 'revert-doctor')).toBe(false);
  });

  it("a person's stop during the verification keeps the files (they take over), no revert", () => {
    const d = new Drive(testPolicy()).toDoctor();
    d.fixed(100).start(120, 11);
    d.at(200, { type: 'request', action: 'stop', by: 'human' });
    expect(d.state.work).toBeNull();
    d.exit(300, null);
    expect(d.effects.some((e) => e.type === 'revert-doctor')).toBe(false);
    // ... and says so: the repair is not verified, and which files it leaves changed.
    const said = d.events('doctor.repair').filter((e) => e.details?.handedOver === true);
    expect(said).toHaveLength(1);
    expect(said[0]!.message).toContain('/x/gw.json');
    expect(said[0]!.message).toContain('not verified');
  });

  it("a person's restart during the verification is carried out and the repair is still verified: a failure after puts the files back", () => {
    const d = new Drive(testPolicy({ doctorVerifyWindowMs: 2000 })).toDoctor();
    const run = d.state.work!.id;
    d.fixed(100).start(120, 11).at(200, { type: 'healthy', pid: 11 });
    d.at(1000, { type: 'request', action: 'restart', by: 'human' });
    expect(d.types()).toContain('stop');
    expect(d.state.work).toMatchObject({ kind: 'verify', doctorRunId: run, healthySince: null, startedAt: 1000 });
    expect(d.events('incident.action').some((e) => e.details?.action === 'verify-continues')).toBe(true);
    // The old instance's healthy second does not count: the window starts over on the person's restart.
    d.exit(1100, null);
    expect(d.types()).toContain('start');
    d.start(1150, 12, 'manual').at(1200, { type: 'healthy', pid: 12 }).at(2300, { type: 'tick' });
    expect(d.state.work?.kind).toBe('verify');
    d.exit(2400, 1);
    expect(d.last).toContainEqual(expect.objectContaining({ type: 'revert-doctor', runId: run, files: [FILE] }));
  });

  it('a kept repair says what the doctor did besides its files (its state migration beside the config), as a revert would', () => {
    const d = new Drive(testPolicy({ doctorVerifyWindowMs: 2000 })).toDoctor();
    const beside = "gw's own doctor, beside its config in /x: created state, state/openclaw.sqlite";
    d.fixed(100, [FILE], [beside]).start(120, 11).at(200, { type: 'healthy', pid: 11 }).at(2300, { type: 'tick' });
    expect(d.state.work).toBeNull();
    const kept = d.events('incident.action').find((e) => e.details?.action === 'doctor-kept');
    expect(kept?.message).toContain('state/openclaw.sqlite');
    expect(kept?.details?.otherRepairs).toEqual([beside]);
  });

  it("a person's restart during the verification, then health held: the repair is kept and said so", () => {
    const d = new Drive(testPolicy({ doctorVerifyWindowMs: 2000 })).toDoctor();
    d.fixed(100).start(120, 11);
    d.at(500, { type: 'request', action: 'restart', by: 'human' }).exit(600, null).start(650, 12, 'manual');
    d.at(700, { type: 'healthy', pid: 12 }).at(2700, { type: 'tick' });
    expect(d.state.work).toBeNull();
    expect(d.events('incident.action').some((e) => e.details?.action === 'doctor-kept')).toBe(true);
    expect(d.effects.some((e) => e.type === 'revert-doctor')).toBe(false);
  });

  it('maintenance or a reload that replaces the service during the verification: handed over and said, nothing put back', () => {
    for (const end of ['maintenance', 'reload'] as const) {
      const d = new Drive(testPolicy()).toDoctor();
      d.fixed(100).start(120, 11);
      if (end === 'maintenance') d.at(200, { type: 'maintenance', on: true, until: null, by: 'cli' });
      else d.at(200, { type: 'shutdown', stopService: true, removed: true });
      expect(d.effects.some((e) => e.type === 'revert-doctor')).toBe(false);
      expect(d.events('doctor.repair').filter((e) => e.details?.handedOver === true), end).toHaveLength(1);
    }
  });

  it("a person's start during the revert waits for the files, then starts instead of climbing", () => {
    const d = new Drive(testPolicy()).toDoctor();
    const run = d.state.work!.id;
    d.fixed(100).start(120, 11).exit(150, 1);
    d.at(200, { type: 'request', action: 'start', by: 'human' });
    expect(d.state.work?.kind).toBe('revert');
    expect(d.types()).not.toContain('start');
    d.at(300, { type: 'doctor-reverted', runId: run, reverted: ['/x/gw.json'], kept: [] });
    expect(d.types()).toContain('start');
    expect(d.state.incident?.status).toBe('open');
    expect(d.events('incident.escalated')).toHaveLength(0);
  });

  it('maintenance asked for during the revert and over before it: the service starts once the files are back (not left stopped)', () => {
    const d = new Drive(testPolicy()).toDoctor();
    const run = d.state.work!.id;
    d.fixed(100).start(120, 11).exit(150, 1);
    d.at(200, { type: 'maintenance', on: true, until: 1000, by: 'cli' });
    d.at(1000, { type: 'tick' });
    expect(d.state.maintenance).toBeNull();
    expect(d.types()).not.toContain('start');
    d.at(1100, { type: 'doctor-reverted', runId: run, reverted: ['/x/gw.json'], kept: [] });
    expect(d.types()).toContain('start');
  });

  it('a revert in flight when the daemon stopped is re-armed on boot (persisted with its files)', () => {
    const d = new Drive(testPolicy()).toDoctor();
    const run = d.state.work!.id;
    d.fixed(100).start(120, 11).exit(150, 1);
    const saved = JSON.parse(JSON.stringify(d.state));
    const again = new Drive(testPolicy(), normalizeState(saved, null, 'up'));
    again.at(10_000, { type: 'boot', adopted: null });
    expect(again.last).toContainEqual(expect.objectContaining({ type: 'revert-doctor', runId: run, files: [FILE] }));
    again.at(10_100, { type: 'doctor-reverted', runId: run, reverted: ['/x/gw.json'], kept: [] });
    expect(again.state.incident?.status).toBe('waiting-human');
  });

  it('a verification in flight when the daemon stopped starts over with the doctor window and still reverts on failure', () => {
    const d = new Drive(testPolicy()).toDoctor();
    d.fixed(100);
    const again = new Drive(testPolicy(), normalizeState(JSON.parse(JSON.stringify(d.state)), null, 'up'));
    again.at(10_000, { type: 'boot', adopted: null });
    expect(again.state.work?.kind).toBe('verify');
    expect(again.types()).toContain('start');
    again.start(10_010, 12).exit(10_050, 1);
    expect(again.types()).toContain('revert-doctor');
  });
});
