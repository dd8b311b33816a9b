// The reducer's order for a part that fails readiness: that channel alone once, then the gateway drained, then the ladder; planned restarts drain, hangs do not.
import { describe, expect, it } from 'vitest';
import type { Effect, ServiceInput } from '../../src/decide/inputs.js';
import type { ServicePolicy } from '../../src/decide/policy.js';
import { testPolicy } from '../decide/policy-fixture.js';
import { ReducerDrive } from '../decide/drive.js';

function policy(over: Partial<ServicePolicy> = {}): ServicePolicy {
  return testPolicy({ drainGraceMs: 330_000, scopedRestart: { settleMs: 60_000 }, ...over });
}

class Drive extends ReducerDrive {
  /** boot, started and healthy. */
  override up(now: number, pid: number): this {
    super.up(now, pid);
    return this.at(now + 1, { type: 'healthy', pid });
  }
  acts(): Effect[] {
    return this.last.filter((e) => e.type !== 'emit');
  }
}

const channelFails = (pid: number): ServiceInput => ({ type: 'unhealthy', pid, probe: 'readiness', finding: 'readiness:channel:telegram', message: "channel telegram failing for 10m0s: past the gateway's own recovery bound" });

describe('readiness findings in the reducer', () => {
  it('restarts the failing channel alone first; the gateway keeps running and health that holds resolves the incident', () => {
    const d = new Drive(policy()).up(0, 100);
    d.at(1000, channelFails(100));
    expect(d.acts()).toEqual([{ type: 'restart-scope', scope: { kind: 'channel', channel: 'telegram' }, settleMs: 60_000 }]);
    expect(d.state.phase).toBe('running');
    expect(d.state.instance?.pid).toBe(100);
    expect(d.state.restartsTotal).toBe(0);
    const action = d.events('incident.action').find((e) => e.details?.action === 'scope-restart');
    expect(action?.message).toMatch(/restarting channel telegram only/);
    expect(action?.details).toMatchObject({ scope: 'channel:telegram', channel: 'telegram' });
    expect(d.events('incident.opened')[0]!.message).toMatch(/readiness: channel telegram failing for 10m0s: past the gateway's own recovery bound$/);
    d.at(70_000, { type: 'healthy', pid: 100 });
    // resolved once health held for the confirm time (2 s here), with the time to recover up to the healthy verdict
    expect(d.state.incident).not.toBeNull();
    d.at(72_000, { type: 'tick' });
    expect(d.state.incident).toBeNull();
    expect(d.events('incident.resolved')).toHaveLength(1);
    expect(d.events('incident.resolved')[0]!.details).toMatchObject({ ttrMs: 69_000 });
  });

  it('when the same channel fails again, restarts the gateway with the drain budget (counted), not the channel again', () => {
    const d = new Drive(policy()).up(0, 100);
    d.at(1000, channelFails(100));
    d.at(70_000, channelFails(100));
    expect(d.acts()).toEqual([{ type: 'stop', graceMs: 330_000, drain: true }]);
    expect(d.state.restartsTotal).toBe(1);
    expect(d.state.incident?.scopesTried).toEqual(['channel:telegram']);
  });

  it('a part that is no channel, or no scoped restart available: straight to a drained gateway restart', () => {
    const d = new Drive(policy()).up(0, 100);
    d.at(1000, { type: 'unhealthy', pid: 100, probe: 'readiness', finding: 'readiness:plugin-reload', message: 'plugin-reload failing' });
    expect(d.acts()).toEqual([{ type: 'stop', graceMs: 330_000, drain: true }]);
    const e = new Drive(policy({ scopedRestart: null })).up(0, 100);
    e.at(1000, channelFails(100));
    expect(e.acts()).toEqual([{ type: 'stop', graceMs: 330_000, drain: true }]);
  });

  it('planned restarts drain (memory limit, prediction, a person); a hang and a dead endpoint keep the short path', () => {
    const mem = new Drive(policy()).up(0, 100).at(1000, { type: 'unhealthy', pid: 100, probe: 'memory', finding: 'memory-limit', message: 'rss over' });
    expect(mem.acts()).toEqual([{ type: 'stop', graceMs: 330_000, drain: true }]);
    const pred = new Drive(policy()).up(0, 100).at(1000, { type: 'request', action: 'restart', by: 'prediction' });
    expect(pred.acts()).toEqual([{ type: 'stop', graceMs: 330_000, drain: true }]);
    const person = new Drive(policy()).up(0, 100).at(1000, { type: 'request', action: 'restart', by: 'human' });
    expect(person.acts()).toEqual([{ type: 'stop', graceMs: 330_000, drain: true }]);
    const hang = new Drive(policy()).up(0, 100).at(1000, { type: 'unhealthy', pid: 100, probe: 'stopped', finding: 'hang', message: 'hung' });
    expect(hang.acts()).toEqual([{ type: 'stop', graceMs: 100 }]);
    const down = new Drive(policy()).up(0, 100).at(1000, { type: 'unhealthy', pid: 100, probe: 'liveness', finding: 'down', message: 'refused' });
    expect(down.acts()).toEqual([{ type: 'stop', graceMs: 1000 }]);
  });

  it('without drainGrace configured nothing changes: the drain budget is the ordinary grace and no stop is marked drained', () => {
    const d = new Drive(policy({ drainGraceMs: 1000 })).up(0, 100).at(1000, { type: 'unhealthy', pid: 100, probe: 'memory', finding: 'memory-limit', message: 'rss over' });
    expect(d.acts()).toEqual([{ type: 'stop', graceMs: 1000 }]);
  });

  it('a scoped finding during maintenance, a hold or a repair in flight orders nothing', () => {
    const d = new Drive(policy()).up(0, 100);
    d.at(500, { type: 'maintenance', on: true, by: 'ops' });
    d.at(1000, channelFails(100));
    expect(d.acts()).toEqual([]);
  });
});
