// Readable cases the reducer fuzz (fuzz.test.ts) found, minimised: each broke an invariant before its fix.
import { describe, expect, it } from 'vitest';
import { nextWake } from '../../src/decide/decide.js';
import { testPolicy } from './policy-fixture.js';
import { ReducerDrive } from './drive.js';

describe('reducer fuzz cases', () => {
  it("the cool-down never undoes a person's stop of a Level 4 service (maintenance on and off meanwhile)", () => {
    const d = new ReducerDrive(testPolicy({ doctorAttempts: 0, coolDownMs: 60_000 })).up(0, 10);
    d.at(100, { type: 'exited', pid: 10, code: 78, signal: null, at: 100, statusKnown: true });
    expect(d.state.incident?.status).toBe('waiting-human');
    d.at(200, { type: 'request', action: 'stop', by: 'human' });
    d.at(300, { type: 'maintenance', on: true, until: 1000, by: 'cli' });
    d.at(1000, { type: 'tick' });
    expect(d.state.maintenance).toBeNull();
    expect(d.events('maintenance.ended')[0]!.message).not.toContain('cool-down');
    expect(nextWake(d.state, d.p)).toBeNull();
    d.at(61_000, { type: 'tick' });
    expect(d.types()).toEqual([]);
    expect(d.state.desired).toBe('down');
  });

  it("a Level 4 reached after a person's stop arms no cool-down that would start it", () => {
    // The start was under way when the person stopped it; its preflight then failed and the ladder ran out.
    const d = new ReducerDrive(testPolicy({ doctorAttempts: 0, coolDownMs: 60_000 }));
    d.at(0, { type: 'boot', adopted: null });
    expect(d.types()).toEqual(['start']);
    d.at(100, { type: 'request', action: 'stop', by: 'human' });
    const before = d.effects.length;
    d.at(200, { type: 'preflight-failed', problem: 'port 8080 is held' });
    d.at(61_000, { type: 'tick' });
    d.at(200_000, { type: 'tick' });
    expect(d.types(d.effects.slice(before))).not.toContain('start');
    expect(d.state.desired).toBe('down');
  });
});
