// A clean exit (code 0) under restart policy on-failure or never is the job done: stopped, no incident, no warning.
import { describe, expect, it } from 'vitest';
import { testPolicy } from './policy-fixture.js';
import { ReducerDrive } from './drive.js';

const exit = (d: ReducerDrive, now: number, code: number | null, signal: string | null = null): ReducerDrive => {
  const pid = d.state.instance!.pid;
  return d.at(now, { type: 'exited', pid, code, signal, at: now, statusKnown: true });
};

describe('a clean exit where the policy does not restart', () => {
  for (const restartPolicy of ['on-failure', 'never'] as const) {
    it(`${restartPolicy}: exit 0 stops it without an incident or a warning`, () => {
      const d = new ReducerDrive(testPolicy({ restartPolicy })).up(0, 10);
      exit(d, 500, 0);
      expect(d.state.phase).toBe('stopped');
      expect(d.state.incident).toBeNull();
      expect(d.types()).toEqual([]);
      expect(d.events('incident.opened')).toHaveLength(0);
      expect(d.events('service.exited')[0]?.severity).toBe('info');
      expect(d.events('service.stopped')).toHaveLength(1);
    });
  }

  it('on-failure: a failing exit still opens an incident and restarts', () => {
    const d = new ReducerDrive(testPolicy({ restartPolicy: 'on-failure' })).up(0, 10);
    exit(d, 500, 3);
    expect(d.state.incident?.level).toBe(0);
    expect(d.types()).toEqual(['start']);
    expect(d.events('service.exited')[0]?.severity).toBe('warning');
  });

  it('on-failure: a signal is a failure even without a code', () => {
    const d = new ReducerDrive(testPolicy({ restartPolicy: 'on-failure' })).up(0, 10);
    exit(d, 500, null, 'SIGSEGV');
    expect(d.state.incident).not.toBeNull();
    expect(d.types()).toEqual(['start']);
  });

  it('always: exit 0 is restarted as before (PM2 and systemd Restart=always do the same)', () => {
    const d = new ReducerDrive(testPolicy({ restartPolicy: 'always' })).up(0, 10);
    exit(d, 500, 0);
    expect(d.types()).toEqual(['start']);
    expect(d.state.incident).not.toBeNull();
  });

  it('never: a crash opens an incident for a person (nothing restarts it)', () => {
    const d = new ReducerDrive(testPolicy({ restartPolicy: 'never' })).up(0, 10);
    exit(d, 500, 1);
    expect(d.state.incident).not.toBeNull();
    expect(d.types()).toEqual([]);
  });
});

// An end with no status to read (adopted, or found gone by the guardian: the daemon that spawned it died).
describe('an end nobody saw', () => {
  const unseen = (d: ReducerDrive, now: number, signal: string | null = null): ReducerDrive =>
    d.at(now, { type: 'exited', pid: d.state.instance!.pid, code: null, signal, at: now, statusKnown: false });

  it('never: kept down, no incident, no count, and a warning says the status is unknown', () => {
    const d = new ReducerDrive(testPolicy({ restartPolicy: 'never' })).up(0, 10);
    unseen(d, 500);
    expect(d.state.phase).toBe('stopped');
    expect(d.state.incident).toBeNull();
    expect(d.state.restartHistory).toEqual([]);
    expect(d.types()).toEqual([]);
    const stopped = d.events('service.stopped');
    expect(stopped).toHaveLength(1);
    expect(stopped[0]!.severity).toBe('warning');
    expect(stopped[0]!.message).toMatch(/exit status cannot be known/);
  });

  it('on-failure: still a failure, restarted (a server that crashed after a daemon restart must not be left down)', () => {
    const d = new ReducerDrive(testPolicy({ restartPolicy: 'on-failure' })).up(0, 10);
    unseen(d, 500);
    expect(d.state.incident?.level).toBe(0);
    expect(d.types()).toEqual(['start']);
  });

  it('on-failure: a signal seen is still a failure', () => {
    const d = new ReducerDrive(testPolicy({ restartPolicy: 'on-failure' })).up(0, 10);
    unseen(d, 500, 'SIGKILL');
    expect(d.state.incident?.level).toBe(0);
    expect(d.types()).toEqual(['start']);
  });

  it('always: still a crash, restarted', () => {
    const d = new ReducerDrive(testPolicy({ restartPolicy: 'always' })).up(0, 10);
    unseen(d, 500);
    expect(d.state.incident?.level).toBe(0);
    expect(d.types()).toEqual(['start']);
  });
});

// A new daemon boots over the state the last one left: a job kept down stays down until the machine itself rebooted.
describe('a job kept down, at the next daemon boot', () => {
  it('on-failure exit 0 and never exit 1: not started by a daemon boot; started by a boot after a machine boot', () => {
    for (const [restartPolicy, code] of [['on-failure', 0], ['never', 1]] as const) {
      const d = new ReducerDrive(testPolicy({ restartPolicy })).up(0, 10);
      exit(d, 500, code);
      d.at(10_000, { type: 'boot', adopted: null, machineBootedAt: 100 });
      expect(d.types()).toEqual([]);
      expect(d.state.phase).toBe('stopped');
      // The machine booted after the end: as at any boot, it runs.
      d.at(20_000, { type: 'boot', adopted: null, machineBootedAt: 15_000 });
      expect(d.types()).toEqual(['start']);
    }
  });
});
