// The reducer's placement cases (clusters): a standby never starts, losing the lease stops, every start carries the token.
import { describe, expect, it } from 'vitest';
import { decide, nextWake } from '../../src/decide/decide.js';
import type { Effect, ServiceInput } from '../../src/decide/inputs.js';
import type { ServicePolicy } from '../../src/decide/policy.js';
import { testPolicy } from './policy-fixture.js';
import { initialState, normalizeState, type ServiceState } from '../../src/decide/service-state.js';

const P: ServicePolicy = testPolicy({ doctorAttempts: 0 });

class Drive {
  state: ServiceState = initialState('up');
  last: Effect[] = [];
  all: Effect[] = [];
  at(now: number, input: ServiceInput): this {
    const d = decide(this.state, input, { now, random: () => 0.5, newId: (k) => `${k}-x` }, P);
    this.state = d.state;
    this.last = d.effects;
    this.all.push(...d.effects);
    return this;
  }
  types(): string[] {
    return this.last.filter((e) => e.type !== 'emit').map((e) => e.type);
  }
  events(type: string): Array<Extract<Effect, { type: 'emit' }>['event']> {
    return this.all.flatMap((e) => (e.type === 'emit' && e.event.type === type ? [e.event] : []));
  }
  standby(now: number, holder: string | null = null): this {
    return this.at(now, { type: 'placement', active: false, holder });
  }
  win(now: number, token: number, validMs = 5000): this {
    return this.at(now, { type: 'placement', active: true, token, holder: 'a', stopBy: now + validMs, killBy: now + validMs + 2000 });
  }
  started(now: number, pid: number): this {
    return this.at(now, { type: 'started', instance: { pid, pidStartTime: 1, startedAt: now }, reason: 'placement' });
  }
}

describe('reducer: placement (singleton services of a cluster)', () => {
  it('a standby does not start on boot; winning the lease starts it with the fencing token', () => {
    const d = new Drive().standby(0).at(0, { type: 'boot', adopted: null });
    expect(d.types()).toEqual([]);
    expect(d.state.phase).toBe('stopped');
    d.win(100, 42);
    expect(d.last.find((e) => e.type === 'start')).toEqual({ type: 'start', reason: 'placement', fencingToken: 42 });
    d.started(200, 7);
    expect(d.events('service.started')[0]!.details).toMatchObject({ pid: 7, fencingToken: 42 });
    expect(d.events('cluster.leader')).toHaveLength(1);
  });

  it('a renewal of the same token starts nothing new and moves the deadline', () => {
    const d = new Drive().standby(0).at(0, { type: 'boot', adopted: null }).win(100, 42).started(200, 7);
    d.win(1000, 42);
    expect(d.types()).toEqual([]);
    expect(d.state.placement!.stopBy).toBe(6000);
    expect(nextWake(d.state, P)).toBe(6000);
  });

  it('a start request on a standby starts nothing (the API answers 409)', () => {
    const d = new Drive().standby(0, 'b').at(0, { type: 'boot', adopted: null });
    for (const action of ['start', 'resume', 'restart'] as const) {
      d.at(10, { type: 'request', action, by: 'human' });
      expect(d.types()).toEqual([]);
    }
    expect(d.state.placement).toMatchObject({ active: false, holder: 'b' });
  });

  it('losing the lease stops the instance (grace bounded by the guard deadline) and it stays down', () => {
    const d = new Drive().standby(0).at(0, { type: 'boot', adopted: null }).win(100, 42).started(200, 7);
    d.at(1000, { type: 'placement', active: false, holder: 'b', reason: 'b holds the lease now' });
    expect(d.last.find((e) => e.type === 'stop')).toEqual({ type: 'stop', graceMs: 1000 });
    expect(d.events('cluster.standby')).toHaveLength(1);
    d.at(1500, { type: 'exited', pid: 7, code: 0, signal: 'SIGTERM', at: 1500, statusKnown: true });
    expect(d.types()).toEqual([]);
    expect(d.state.phase).toBe('stopped');
    expect(d.state.incident).toBeNull();
  });

  it('no renewal by stopBy: the tick fences (stop), with the grace cut to what is left before killBy', () => {
    const d = new Drive().standby(0).at(0, { type: 'boot', adopted: null }).win(0, 42, 3000).started(100, 7);
    expect(nextWake(d.state, P)).toBe(3000);
    d.at(4500, { type: 'tick' });
    expect(d.events('cluster.fenced')).toHaveLength(1);
    expect(d.last.find((e) => e.type === 'stop')).toEqual({ type: 'stop', graceMs: 500 });
    expect(d.state.placement!.active).toBe(false);
  });

  it('an exit without a valid lease (the guard killed it) is not restarted and opens no incident', () => {
    const d = new Drive().standby(0).at(0, { type: 'boot', adopted: null }).win(0, 42, 3000).started(100, 7);
    d.at(3500, { type: 'exited', pid: 7, code: null, signal: 'SIGKILL', at: 3500, statusKnown: true });
    expect(d.types()).toEqual([]);
    expect(d.state.incident).toBeNull();
    expect(d.events('cluster.standby')).toHaveLength(1);
  });

  it('a crash while the lease is valid restarts as usual, with the token', () => {
    const d = new Drive().standby(0).at(0, { type: 'boot', adopted: null }).win(0, 42, 3000).started(100, 7);
    d.at(500, { type: 'exited', pid: 7, code: 1, signal: null, at: 500, statusKnown: true });
    expect(d.last.find((e) => e.type === 'start')).toEqual({ type: 'start', reason: 'exit', fencingToken: 42 });
  });

  it('a backoff due after the lease is gone does not start', () => {
    const d = new Drive().standby(0).at(0, { type: 'boot', adopted: null }).win(0, 42, 60_000).started(100, 7);
    d.at(500, { type: 'exited', pid: 7, code: 1, signal: null, at: 500, statusKnown: true }).started(510, 8);
    d.at(600, { type: 'exited', pid: 8, code: 1, signal: null, at: 600, statusKnown: true });
    expect(d.state.phase).toBe('backoff');
    d.standby(650, 'b');
    expect(d.state.phase).toBe('stopped');
    d.at(2000, { type: 'tick' });
    expect(d.types()).toEqual([]);
  });

  it('a start that completes after the lease was lost is stopped at once', () => {
    const d = new Drive().standby(0).at(0, { type: 'boot', adopted: null }).win(0, 42, 3000);
    expect(d.state.phase).toBe('starting');
    d.standby(100, 'b');
    d.started(200, 9);
    expect(d.types()).toEqual(['stop']);
  });

  it('Level 4 and a failed preflight give the lease up (release-placement)', () => {
    const d = new Drive().standby(0).at(0, { type: 'boot', adopted: null }).win(0, 42, 60_000);
    d.at(10, { type: 'preflight-failed', problem: 'port 18789 held by pid 5 (nginx)' });
    expect(d.types()).toContain('release-placement');
    const e = new Drive().standby(0).at(0, { type: 'boot', adopted: null }).win(0, 42, 60_000).started(10, 7);
    e.at(20, { type: 'exited', pid: 7, code: 78, signal: null, at: 20, statusKnown: true });
    expect(e.all.some((x) => x.type === 'release-placement')).toBe(true);
    expect(e.state.incident?.level).toBe(4);
  });

  it('an instance adopted at boot without a lease is stopped; a service without placement is unaffected', () => {
    const d = new Drive().standby(0);
    d.at(0, { type: 'boot', adopted: { pid: 5, pidStartTime: 1, startedAt: 0 } });
    expect(d.types()).toEqual(['stop']);
    const plain = new Drive().at(0, { type: 'boot', adopted: null });
    expect(plain.types()).toEqual(['start']);
    expect(plain.last.find((e) => e.type === 'start')).toEqual({ type: 'start', reason: 'boot' });
  });

  it('placement is never carried over a daemon restart (a new daemon has no lease yet)', () => {
    const d = new Drive().standby(0).at(0, { type: 'boot', adopted: null }).win(0, 42);
    const restored = normalizeState(JSON.parse(JSON.stringify(d.state)), null, 'up');
    expect(restored.placement).toBeUndefined();
  });
});

describe('guardian direct revive and singletons', () => {
  it('never starts a singleton service (it holds no lease)', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const { reviveServicesDirectly } = await import('../../src/daemon/direct-revive.js');
    const { clawbackConfigSchema } = await import('../../src/config/schema.js');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'clawback-revive-'));
    try {
      const config = clawbackConfigSchema.parse({
        cluster: { member: 'a', endpoints: ['http://127.0.0.1:1'] },
        services: [{ name: 'gw', placement: 'singleton', command: ['/bin/true'], env: { CLAWBACK_TEST_CHILD: '1' } }],
      });
      expect(await reviveServicesDirectly(config, dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
