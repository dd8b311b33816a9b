// A person's stop of an external service whose manager had brought it up before the cancel reached the start command
// was journaled "stopped" twice ("start cancelled by a person (stop); its manager had started it already ... stopping
// it", then "<name> stopped" at its exit): two "Service stopped" alerts for one stop. Now once, at the cancel.
import { describe, expect, it } from 'vitest';
import { testPolicy } from './policy-fixture.js';
import { ReducerDrive } from './drive.js';

describe('a start cancelled by a stop, its process up already', () => {
  it('is journaled stopped once', () => {
    const d = new ReducerDrive(testPolicy()).at(0, { type: 'boot', adopted: null });
    expect(d.state.phase).toBe('starting');
    d.at(10, { type: 'request', action: 'stop', by: 'human' });
    d.at(20, { type: 'start-cancelled', by: 'stop', instance: { pid: 4242, pidStartTime: 1, startedAt: 15 } });
    expect(d.state.phase).toBe('stopping');
    // A second stop while it goes down is the same stop.
    d.at(30, { type: 'request', action: 'stop', by: 'human' });
    d.at(40, { type: 'exited', pid: 4242, code: 0, signal: null, at: 40, statusKnown: true });
    expect(d.state.phase).toBe('stopped');
    const stopped = d.events('service.stopped').map((e) => e.message);
    expect(stopped, stopped.join('\n')).toHaveLength(1);
    expect(stopped[0]).toMatch(/start cancelled by a person \(stop\); its manager had started it already \(pid 4242\)/);
  });

  it('a plain stop still says stopped at its exit', () => {
    const d = new ReducerDrive(testPolicy()).at(0, { type: 'boot', adopted: null });
    d.at(10, { type: 'started', instance: { pid: 7, pidStartTime: 1, startedAt: 10 }, reason: 'boot' });
    d.at(20, { type: 'request', action: 'stop', by: 'human' });
    d.at(30, { type: 'exited', pid: 7, code: 0, signal: null, at: 30, statusKnown: true });
    expect(d.events('service.stopped').map((e) => e.message)).toEqual(['svc stopped'.replace('svc', d.p.name)]);
  });
});
