// An update's rollback put the previous version back, but not every file (one unwritable, a disk that filled): the old
// version was started on a mix of its own files and the failed version's. The restore's outcome is the reducer's input
// now: all back, started; some not, held at Level 4 with the files named, and started only when a person resumes it.
import { describe, expect, it } from 'vitest';
import { testPolicy } from './policy-fixture.js';
import { ReducerDrive } from './drive.js';

function rolledBack(failed: Array<{ file: string; error: string }>): ReducerDrive {
  const d = new ReducerDrive(testPolicy({ coolDownMs: 60_000 }));
  d.at(0, { type: 'boot', adopted: null });
  d.at(10, { type: 'started', instance: { pid: 100, pidStartTime: 1, startedAt: 10 }, reason: 'boot' });
  // The update stops it (a person asked for the update), switches, and rolls back.
  d.at(1000, { type: 'request', action: 'stop', by: 'human' });
  d.at(1100, { type: 'exited', pid: 100, code: 0, signal: 'SIGTERM', at: 1100, statusKnown: true });
  d.effects.length = 0;
  d.at(5000, { type: 'restore-done', runId: 'upd-1', failed });
  return d;
}

describe('the outcome of an update rollback restore goes to the reducer', () => {
  it('every file back: the old version is started', () => {
    const d = rolledBack([]);
    expect(d.types(d.effects)).toContain('start');
    expect(d.state.held).toBeNull();
  });

  it('a file not put back: held at Level 4 with the file named; no start, not even after the cool-down; a resume starts it', () => {
    const d = rolledBack([{ file: '/srv/gw/state/main.db', error: 'ENOSPC: no space left on device' }]);
    expect(d.types(d.effects)).not.toContain('start');
    expect(d.state.phase).toBe('held');
    expect(d.state.incident?.status).toBe('waiting-human');
    expect(d.state.incident?.level).toBe(4);
    const alert = d.events('incident.escalated')[0]!;
    expect(alert.message).toContain('/srv/gw/state/main.db (ENOSPC');
    d.at(200_000, { type: 'tick' });
    expect(d.types()).not.toContain('start');
    expect(d.state.phase).toBe('held');
    d.at(210_000, { type: 'request', action: 'resume', by: 'human' });
    expect(d.types()).toContain('start');
  });
});
