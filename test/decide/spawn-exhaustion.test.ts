// A start the daemon could not fork (EAGAIN: out of processes; EMFILE: out of descriptors) is not a crash of the
// service: it is retried with the capped backoff for as long as it lasts and runs again, unheld, once the fork works.
import { describe, expect, it } from 'vitest';
import { nextWake } from '../../src/decide/decide.js';
import { testPolicy } from './policy-fixture.js';
import { ReducerDrive } from './drive.js';

describe('a start failed for the daemon\'s own exhaustion', () => {
  it('never trips the crash-loop breaker (no Level 2/4 for a machine out of pids), backs off to the cap, and heals by itself', () => {
    const p = testPolicy();
    const d = new ReducerDrive(p).up(0, 10);
    d.at(100, { type: 'exited', pid: 10, code: null, signal: 'SIGKILL', at: 100, statusKnown: true });
    let now = 100;
    for (let i = 0; i < 5 * p.intensity.maxRestarts; i++) {
      expect(d.state.phase, `round ${i}`).toBe('starting');
      now += 1;
      d.at(now, { type: 'start-failed', error: 'sleep: spawn sleep EAGAIN', exhausted: true });
      expect(d.state.held, `round ${i}`).toBeNull();
      expect(d.state.work).toBeNull();
      if (d.state.phase === 'backoff') {
        const wake = nextWake(d.state, d.p)!;
        expect(wake - now).toBeLessThanOrEqual(p.backoff.max);
        now = wake;
        d.at(now, { type: 'tick' });
      }
    }
    expect(d.events('breaker.tripped')).toHaveLength(0);
    expect(d.state.incident?.level).toBe(0);
    expect(d.events('service.exited').at(-1)!.message).toContain('out of processes, file descriptors or memory');
    d.at(now + 1, { type: 'started', instance: { pid: 11, pidStartTime: 1, startedAt: now + 1 }, reason: 'exit' });
    expect(d.state.phase).toBe('running');
  });

  it('a spawn failure of the service itself (ENOENT) still counts towards the breaker', () => {
    const p = testPolicy();
    const d = new ReducerDrive(p).at(0, { type: 'boot', adopted: null });
    let now = 0;
    for (let i = 0; i < 5 * p.intensity.maxRestarts && !d.state.held; i++) {
      now += 1;
      d.at(now, { type: 'start-failed', error: 'spawn nope ENOENT' });
      if (d.state.phase === 'backoff') {
        now = nextWake(d.state, d.p)!;
        d.at(now, { type: 'tick' });
      }
    }
    expect(d.state.held?.reason).toBe('crash-loop');
  });
});
