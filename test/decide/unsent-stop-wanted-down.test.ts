// A person's stop that sent nothing (an external pid that cannot be identified) leaves the service running and wanted
// down: nothing may heal it then. Maintenance ending on it while unhealthy opened an incident and restarted it (fuzz
// seeds 683, 975, 1475); a dependency's restart or a prediction restarted it, to start again once its manager ends it.
import { describe, expect, it } from 'vitest';
import { testPolicy } from './policy-fixture.js';
import { ReducerDrive } from './drive.js';

function stoppedButRunning(): ReducerDrive {
  const d = new ReducerDrive(testPolicy({ external: true })).up(0, 100);
  d.at(1_000, { type: 'request', action: 'stop', by: 'human' });
  expect(d.state.phase).toBe('stopping');
  d.at(1_001, { type: 'effect-failed', effect: 'stop', error: 'pid 100 was not signalled', nothingSent: true });
  expect(d.state.phase).toBe('running');
  expect(d.state.desired).toBe('down');
  return d;
}

describe('a service a person stopped whose stop could not be sent', () => {
  it('is not healed when maintenance ends on it unhealthy', () => {
    const d = stoppedButRunning();
    d.at(2_000, { type: 'maintenance', on: true, until: null, reason: '', by: 'cli' });
    d.at(3_000, { type: 'unhealthy', pid: 100, probe: 'http', message: 'HTTP 500' });
    d.at(4_000, { type: 'maintenance', on: false, by: 'cli' });
    expect(d.events('incident.opened')).toEqual([]);
    expect(d.types()).toEqual([]);
    expect(d.state.phase).toBe('running');
    expect(d.state.desired).toBe('down');
  });

  it('is not restarted by a dependency or a prediction', () => {
    for (const by of ['group', 'prediction'] as const) {
      const d = stoppedButRunning();
      d.at(2_000, { type: 'request', action: 'restart', by });
      expect(d.types(), by).toEqual([]);
      expect(d.state.afterStop, by).toBeNull();
      expect(d.state.phase, by).toBe('running');
    }
  });

  it('is not healed on an unhealthy verdict either, and a person can still restart it', () => {
    const d = stoppedButRunning();
    d.at(2_000, { type: 'unhealthy', pid: 100, probe: 'http', message: 'HTTP 500' });
    expect(d.events('incident.opened')).toEqual([]);
    expect(d.types()).toEqual([]);
    d.at(3_000, { type: 'request', action: 'restart', by: 'human' });
    expect(d.state.desired).toBe('up');
    expect(d.types()).toContain('stop');
  });
});
