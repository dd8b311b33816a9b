// A journal that fails and works by turns (near the fd limit) sends one daemon.degraded at once and one daemon.recovered
// after a quiet period, not a pair per second.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FakeClock } from '../../src/platform/clock.js';
import { DaemonFaults } from '../../src/daemon/daemon-faults.js';
import { FAULT_QUIET_MS, quietRecovery } from '../../src/daemon/quiet-recovery.js';
import { JournalWriter } from '../../src/observe/journal.js';
import type { ClawbackEvent } from '../../src/observe/events.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('journal-write flapping', () => {
  it('degraded at the first failure, recovered once, after the quiet period, with the figures summed', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'clawback-jquiet-'));
    dirs.push(dir);
    const file = path.join(dir, 'journal.jsonl');
    const clock = new FakeClock();
    const events: ClawbackEvent[] = [];
    const faults = new DaemonFaults({ clock, emit: (e) => events.push(e), log: () => undefined, stateDir: dir });
    const quiet = quietRecovery(faults, 'journal-write', clock);
    const j = new JournalWriter(file, { clock, onFault: (e) => quiet.failed(e), onRecovered: (f) => quiet.recovered({ 'journal lines written late': f.flushed, 'journal lines dropped': f.dropped }) });
    const ev = (i: number): ClawbackEvent => ({ type: 'service.exited', time: i, severity: 'warning', message: `exit ${i}` });
    for (let i = 0; i < 5; i++) {
      rmSync(file, { force: true });
      mkdirSync(file); // the journal cannot be opened as a file: the append fails
      j.append(ev(i));
      if (i === 0) expect(events.map((e) => e.type)).toEqual(['daemon.degraded']); // the first at once
      clock.advance(500);
      rmSync(file, { recursive: true });
      clock.advance(600); // the retry timer writes it: works again
      expect(j.backlog().buffered).toBe(0);
    }
    expect(events.map((e) => e.type)).toEqual(['daemon.degraded']);
    clock.advance(FAULT_QUIET_MS);
    expect(events.map((e) => e.type)).toEqual(['daemon.degraded', 'daemon.recovered']);
    expect(events[1]!.details).toMatchObject({ reason: 'journal-write', failures: 5, 'journal lines written late': 5 });
    expect(readFileSync(file, 'utf8')).toContain('exit 4');
    // A later failure is announced at once again; cancel drops a pending recovery.
    rmSync(file, { force: true });
    mkdirSync(file);
    j.append(ev(9));
    expect(events.at(-1)!.type).toBe('daemon.degraded');
    rmSync(file, { recursive: true });
    clock.advance(1100);
    quiet.cancel();
    clock.advance(FAULT_QUIET_MS * 2);
    expect(events.at(-1)!.type).toBe('daemon.degraded');
    j.close();
  });
});
