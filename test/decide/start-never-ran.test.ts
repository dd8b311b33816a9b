// A start that never ran (spawn ENOENT: a missing #! interpreter, a cwd gone; EACCES) was journaled "restarting X after
// its exit", retried on the crash backoff and tripped the crash-loop breaker "as if it had crashed". Now a program that
// cannot be executed is held at once, as the preflight holds a missing command (systemd's status=203/EXEC), and a start
// retried after a start failure says so. The reducer on its inputs, then a real daemon, real script, real spawn.
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { nextWake } from '../../src/decide/decide.js';
import { testPolicy } from './policy-fixture.js';
import { ReducerDrive } from './drive.js';
import { startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

describe('a start that never ran', () => {
  it('a program that cannot be executed (ENOENT with its code) is held at once, not retried on the crash backoff', () => {
    const d = new ReducerDrive(testPolicy()).at(0, { type: 'boot', adopted: null });
    d.at(1, { type: 'start-failed', error: 'spawn ENOENT (the interpreter its #! line names does not exist: "/usr/bin/nope"): /srv/a.py', code: 'ENOENT' });
    expect(d.state.held?.reason).toBe('preflight');
    expect(d.state.held?.detail).toContain('could not be started: spawn ENOENT');
    expect(d.state.restartHistory).toHaveLength(0);
    expect(d.events('breaker.tripped').map((e) => e.message).join('\n')).not.toContain('crash-loop');
    expect(d.events('service.restarting').map((e) => e.message).join('\n')).not.toContain('after its exit');
    expect(d.state.lastExit?.startError).toContain('/usr/bin/nope');
  });

  it('a start failure retried on the backoff (no code: a launch error; exhaustion) says "after its start failed", never "after its exit"', () => {
    for (const exhausted of [false, true]) {
      const d = new ReducerDrive(testPolicy()).at(0, { type: 'boot', adopted: null });
      let now = 1;
      d.at(now, { type: 'start-failed', error: 'spawn EAGAIN', ...(exhausted ? { exhausted } : {}) });
      if (d.state.phase === 'backoff') {
        now = nextWake(d.state, d.p)!;
        d.at(now, { type: 'tick' });
      }
      const said = d.events('service.restarting').map((e) => e.message);
      expect(said.length, `exhausted ${exhausted}`).toBeGreaterThan(0);
      for (const m of said) {
        expect(m).not.toContain('after its exit');
        expect(m).toContain('again after its start failed (no process ran: spawn EAGAIN)');
      }
    }
  });

  it('a real daemon: a spawn past the preflight that meets a missing #! interpreter is held, never a crash loop', async () => {
    const dir = tempDir();
    const script = path.join(dir, 'serve.py');
    writeFileSync(script, '#!/usr/bin/nonexistent-python\nprint("hi")\n');
    chmodSync(script, 0o755);
    // No preflight: the spawn itself meets the missing interpreter (as when it went away after the preflight passed).
    td = await startTestDaemon({ services: [{ name: 'py', command: [script], restart: { backoff: { initial: '50ms', max: '100ms' }, intensity: { maxRestarts: 3, window: '1m' } } }] }, { dir, makePreflight: () => undefined });
    const d = td.daemon;
    type S = { name: string; held?: { reason: string; detail: string } | null; incident?: { level: number } | null };
    const py = (): S | undefined => (d.status() as unknown as { services: S[] }).services.find((s) => s.name === 'py');
    await waitFor(() => py()?.incident?.level === 4, { timeoutMs: 20_000, message: 'the service to reach Level 4' });
    expect(py()!.held?.reason).toBe('preflight');
    expect(py()!.held?.detail).toContain('/usr/bin/nonexistent-python');
    const journal = td.journal();
    expect(journal.filter((e) => e.type === 'breaker.tripped' && /crash-loop/.test(e.message))).toEqual([]);
    expect(journal.filter((e) => e.type === 'service.restarting' && /after its exit/.test(e.message))).toEqual([]);
    // One start, then one after each doctor run (2 attempts): bounded, not N crash-backoff tries.
    expect(journal.filter((e) => e.type === 'service.exited').length).toBeLessThanOrEqual(3);
  }, 30_000);
});
