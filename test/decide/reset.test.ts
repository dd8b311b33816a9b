// `clawback reset NAME` (pm2 reset) as a reducer input: RESTARTS, the crash-loop window and the backoff attempt back to
// 0, journaled with who asked; no process touched, no hold lifted (resume lifts it), only a person's request counts.
import { describe, expect, it } from 'vitest';
import { testPolicy } from './policy-fixture.js';
import { ReducerDrive } from './drive.js';

class Drive extends ReducerDrive {
  /** Exits and restarts until the breaker holds the service (or 10 exits). */
  crashLoop(t: number): number {
    for (let i = 0; i < 10 && !this.state.held; i++) {
      t += 100;
      this.at(t, { type: 'exited', pid: this.state.instance!.pid, code: 1, signal: null, at: t, statusKnown: true });
      if (this.state.phase === 'backoff') this.at((t = Math.max(t, this.state.nextStartAt!)), { type: 'tick' });
      if (this.state.phase === 'starting') this.at((t += 10), { type: 'started', instance: { pid: 20 + i, pidStartTime: 1, startedAt: t }, reason: 'exit' });
    }
    return t;
  }
}

describe('request reset', () => {
  it('zeroes RESTARTS, the window and the backoff of a running service without touching its process', () => {
    const d = new Drive(testPolicy()).up(0, 10);
    let t = 0;
    // Two crashes, restarted: counted.
    for (let i = 0; i < 2; i++) {
      t += 100;
      d.at(t, { type: 'exited', pid: d.state.instance!.pid, code: 1, signal: null, at: t, statusKnown: true });
      if (d.state.phase === 'backoff') d.at((t = d.state.nextStartAt!), { type: 'tick' });
      d.at((t += 10), { type: 'started', instance: { pid: 30 + i, pidStartTime: 1, startedAt: t }, reason: 'exit' });
    }
    expect(d.state.restartsTotal).toBe(2);
    expect(d.state.restartHistory.length).toBe(2);
    expect(d.state.backoffAttempt).toBeGreaterThan(0);
    const before = structuredClone(d.state);
    d.at((t += 10), { type: 'request', action: 'reset', by: 'human', who: 'cli:alice' });
    expect(d.state.restartsTotal).toBe(0);
    expect(d.state.restartHistory).toEqual([]);
    expect(d.state.backoffAttempt).toBe(0);
    // Nothing else moved: same instance, phase, desire, incident.
    expect(d.state.instance).toEqual(before.instance);
    expect(d.state.phase).toBe(before.phase);
    expect(d.state.desired).toBe('up');
    expect(d.state.incident).toEqual(before.incident);
    expect(d.types()).toEqual([]);
    const ev = d.events('service.reset');
    expect(ev).toHaveLength(1);
    expect(ev[0]!.message).toBe('gw: restart count reset by cli:alice (restarts 2 -> 0, crash-loop window 2 -> 0, backoff attempt 2 -> 0)');
    expect(ev[0]!.details).toEqual({ by: 'cli:alice', restartsBefore: 2, windowBefore: 2, backoffAttemptBefore: 2, held: null });
  });

  it('keeps a crash-loop hold and its incident: resume is what lifts it, and the reset says so', () => {
    const d = new Drive(testPolicy({ doctorAttempts: 0 })).up(0, 10);
    let t = d.crashLoop(0);
    expect(d.state.held?.reason).toBe('crash-loop');
    const held = structuredClone(d.state.held);
    const incident = structuredClone(d.state.incident);
    expect(d.state.restartsTotal).toBeGreaterThan(0);
    d.at((t += 10), { type: 'request', action: 'reset', by: 'human', who: 'dash\u001b[31mboard' });
    expect(d.types()).toEqual([]);
    expect(d.state.held).toEqual(held);
    expect(d.state.phase).toBe('held');
    expect(d.state.incident).toEqual(incident);
    expect(d.state.restartsTotal).toBe(0);
    expect(d.state.restartHistory).toEqual([]);
    expect(d.state.backoffAttempt).toBe(0);
    expect(d.events('breaker.resumed')).toHaveLength(0);
    const ev = d.events('service.reset')[0]!;
    expect(ev.message).toContain('it stays held (crash-loop: ');
    expect(ev.message).toContain('`clawback resume gw` lifts the hold');
    // Who asked, without the terminal escape it was sent with.
    expect(ev.details).toMatchObject({ by: 'dashboard' });
    // The resume after it starts the service with a fresh window.
    d.at((t += 10), { type: 'request', action: 'resume', by: 'human' });
    expect(d.types()).toContain('start');
  });

  it('a reset not asked by a person changes nothing', () => {
    const d = new Drive(testPolicy()).up(0, 10);
    d.at(100, { type: 'exited', pid: 10, code: 1, signal: null, at: 100, statusKnown: true });
    const before = structuredClone(d.state);
    d.at(110, { type: 'request', action: 'reset', by: 'agent' });
    expect(d.state).toEqual(before);
    expect(d.last).toEqual([]);
  });
});
