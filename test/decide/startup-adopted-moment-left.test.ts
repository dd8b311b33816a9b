// A start-up window with only a moment left when a daemon adopts the instance was judged failed (a restart) before any
// check of the new daemon ran; Kubernetes runs at least one startup probe. Now the window holds one check of the slowest
// restart probe (interval + timeout, policy.startupCheckMs); a window with more left keeps its own end.
import { describe, expect, it } from 'vitest';
import { normalizeState } from '../../src/decide/service-state.js';
import { testPolicy } from './policy-fixture.js';
import { ReducerDrive } from './drive.js';

const policy = testPolicy({ startupWindowMs: 30_000, startupCheckMs: 3_000 });

function adoptAt(bootAt: number): ReducerDrive {
  const d = new ReducerDrive(policy).up(0, 10);
  const saved = JSON.parse(JSON.stringify(d.state)) as typeof d.state;
  d.state = normalizeState(saved, saved.incident, 'up');
  d.at(bootAt, { type: 'boot', adopted: { pid: 10, pidStartTime: 1, startedAt: 0 } });
  return d;
}

describe('an adopted start-up window with a moment left', () => {
  it('holds one check before the start is judged failed', () => {
    const d = adoptAt(29_950);
    expect(d.state.startup).toEqual({ since: 0, until: 32_950 });
    d.at(30_000, { type: 'tick' });
    expect(d.types()).toEqual([]);
    d.at(31_000, { type: 'healthy', pid: 10 });
    expect(d.state.startup).toBeUndefined();
    expect(d.events('service.healthy')).toHaveLength(1);
    expect(d.state.restartsTotal).toBe(0);
  });

  it('is judged at the held end when no check passed; a window with more left keeps its end', () => {
    const d = adoptAt(29_950);
    d.at(32_950, { type: 'tick' });
    expect(d.types()).toEqual(['stop']);
    expect(adoptAt(10_000).state.startup).toEqual({ since: 0, until: 30_000 });
  });
});
