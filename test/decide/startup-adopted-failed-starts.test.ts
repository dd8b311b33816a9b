// An instance adopted past its start-up window that never came up (no healthy check recorded or seen) and that its
// probes then found unhealthy is a failed start: it counts towards the failed-start limit (`failedStarts`). It was
// restarted uncounted, so the limit held one start later than it says (maxRestarts 1: the breaker tripped at the third
// failed start, not the second).
import { describe, expect, it } from 'vitest';
import { normalizeState } from '../../src/decide/service-state.js';
import { testPolicy } from './policy-fixture.js';
import { ReducerDrive } from './drive.js';

// An intensity window far shorter than the start-up window: only the failed-start limit can stop the loop.
const policy = testPolicy({ startupWindowMs: 30_000, intensity: { maxRestarts: 1, window: 1_000 } });

/** The next daemon adopts pid 12 (started at 2 400, never healthy) at 60 000, past its 30 s window. */
function adoptedNeverUp(): ReducerDrive {
  const d = new ReducerDrive(policy).up(2_400, 12);
  const saved = JSON.parse(JSON.stringify(d.state)) as typeof d.state;
  d.state = normalizeState(saved, saved.incident, 'up');
  return d.at(60_000, { type: 'boot', adopted: { pid: 12, pidStartTime: 1, startedAt: 2_400 } });
}

/** Drives the restart the last verdict asked for: the old instance ends, the backoff passes, pid starts. */
function restartInto(d: ReducerDrive, at: number, old: number, pid: number): void {
  d.at(at, { type: 'exited', pid: old, code: null, signal: 'SIGTERM', at, statusKnown: true });
  for (let t = at; t < at + 120_000 && d.state.instance == null && !d.state.held; t += 500) {
    if (t > at) d.at(t, { type: 'tick' });
    if (d.types().includes('start')) d.at(t, { type: 'started', instance: { pid, pidStartTime: 1, startedAt: t }, reason: 'probe' });
  }
}

describe('an adopted instance past its start-up window that never came up', () => {
  it('found unhealthy by its probes counts as a failed start', () => {
    const d = adoptedNeverUp();
    expect(d.state.startup).toBeUndefined();
    d.at(61_000, { type: 'unhealthy', pid: 12, probe: 'http', message: 'connection refused' });
    expect(d.state.failedStarts).toBe(1);
    restartInto(d, 62_000, 12, 13);
    expect(d.state.instance?.pid).toBe(13);
    // The second start never comes up either: its window runs out, the limit (1 restart) holds it.
    const until = d.state.startup!.until;
    d.at(until + 1, { type: 'tick' });
    expect(d.events('breaker.tripped').map((e) => e.message).join('\n')).toContain('2 starts in a row never came up within their start-up window');
  });

  it('one that passes a check after the adoption resets the count', () => {
    const d = adoptedNeverUp();
    d.at(61_000, { type: 'healthy', pid: 12 });
    d.at(62_000, { type: 'unhealthy', pid: 12, probe: 'http', message: 'connection refused' });
    expect(d.state.failedStarts ?? 0).toBe(0);
  });
});
