// The daemon's fault bookkeeping (pure, fake clock) and the journal writer on a real full tmpfs.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FakeClock } from '../../src/platform/clock.js';
import { DaemonFaults, faultAdvice, faultRetryDelay, renderDegradedGauge, type FaultLogLevel } from '../../src/daemon/daemon-faults.js';
import type { ClawbackEvent } from '../../src/observe/events.js';
import { JournalWriter } from '../../src/observe/journal.js';
import { scanJournal } from '../../src/observe/journal-read.js';
import { mountSmallDisk, type SmallDisk } from '../helpers/tmpfs.js';

function enospc(): NodeJS.ErrnoException {
  return Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
}

function setup() {
  const clock = new FakeClock();
  const events: ClawbackEvent[] = [];
  const logs: Array<{ level: FaultLogLevel; msg: string }> = [];
  const faults = new DaemonFaults({ clock, emit: (e) => events.push(e), log: (level, _f, msg) => logs.push({ level, msg }) });
  return { clock, events, logs, faults };
}

describe('DaemonFaults', () => {
  it('degrades once per reason, counts repeats, and clears on the next success with one recovered event', () => {
    const { clock, events, logs, faults } = setup();
    expect(faults.status()).toEqual({ health: 'ok', degraded: [] });
    faults.failed('state-write', enospc());
    clock.advance(1000);
    faults.failed('state-write', enospc());
    faults.failed('state-write', new Error('EIO: i/o error, fsync'));
    const s = faults.status();
    expect(s.health).toBe('degraded');
    expect(s.degraded).toEqual([{ reason: 'state-write', since: clock.now() - 1000, lastAt: clock.now(), lastError: 'EIO: i/o error, fsync', count: 3, advice: 'check the disk and the state directory' }]);
    expect(events.map((e) => e.type)).toEqual(['daemon.degraded']);
    expect(events[0]!.message).toContain('state-write: ENOSPC: no space left on device');
    expect(events[0]!.severity).toBe('critical');
    expect(logs[0]!.level).toBe('error');

    faults.ok('heartbeat-write'); // never failed: nothing happens
    expect(events).toHaveLength(1);
    clock.advance(4000);
    faults.ok('state-write', { 'journal lines dropped': 0 });
    expect(faults.status()).toEqual({ health: 'ok', degraded: [] });
    expect(events.map((e) => e.type)).toEqual(['daemon.degraded', 'daemon.recovered']);
    expect(events[1]!.severity).toBe('resolved');
    expect(events[1]!.details).toMatchObject({ reason: 'state-write', failures: 3, degradedMs: 5000 });
    faults.ok('state-write');
    expect(events).toHaveLength(2);
  });

  it('keeps reasons apart, survives an emit that reports a fault of its own, and logs repeats sparsely', () => {
    const clock = new FakeClock();
    const events: ClawbackEvent[] = [];
    const logs: FaultLogLevel[] = [];
    // The emit path fails to journal and reports it back, as the real bus does on a full disk.
    let faults!: DaemonFaults;
    faults = new DaemonFaults({
      clock,
      emit: (e) => {
        events.push(e);
        faults.failed('journal-write', enospc());
      },
      log: (level) => logs.push(level),
    });
    faults.failed('state-write', enospc());
    for (let i = 0; i < 150; i++) faults.failed('heartbeat-write', enospc());
    expect(faults.status().degraded.map((d) => d.reason).sort()).toEqual(['heartbeat-write', 'journal-write', 'state-write']);
    expect(events.filter((e) => e.type === 'daemon.degraded')).toHaveLength(3);
    // 3 first failures at error; heartbeat repeats at warn on the 10th and 100th only (journal repeats also sparse).
    expect(logs.filter((l) => l === 'error')).toHaveLength(3);
    expect(logs.filter((l) => l === 'warn').length).toBeLessThanOrEqual(6);
  });

  it('the one warning names the state dir when the error does not, and says what to do for that error', () => {
    const clock = new FakeClock();
    const events: ClawbackEvent[] = [];
    const logs: Array<{ level: FaultLogLevel; msg: string }> = [];
    const faults = new DaemonFaults({ clock, emit: (e) => events.push(e), log: (level, _f, msg) => logs.push({ level, msg }), stateDir: '/srv/cb-state' });
    faults.failed('journal-write', enospc());
    faults.failed('journal-write', enospc());
    expect(logs).toHaveLength(1);
    expect(logs[0]!.msg).toContain('ENOSPC: no space left on device, write (state dir /srv/cb-state)');
    expect(logs[0]!.msg).toContain('to fix: free space');
    expect(events).toHaveLength(1);
    expect(events[0]!.message).toContain('(state dir /srv/cb-state)');
    expect(events[0]!.message).toContain('to fix: free space');
    const eperm = Object.assign(new Error("EPERM: operation not permitted, open '/srv/cb-state/.state.json.1.tmp'"), { code: 'EPERM' });
    faults.failed('state-write', eperm);
    expect(logs[1]!.msg).not.toContain('(state dir'); // the error names the path already
    expect(logs[1]!.msg).toContain('to fix: make it writable');
    const fifo = Object.assign(new Error('/srv/cb-state/journal.jsonl is a FIFO, not a regular file'), { code: 'ENOTREG' });
    expect(faultAdvice(fifo)).toContain('move aside');
  });

  it('renders the gauge with every reason, 1 only for the active ones', () => {
    const { faults } = setup();
    faults.failed('journal-write', enospc());
    const text = renderDegradedGauge(faults.status());
    expect(text).toContain('# TYPE clawback_daemon_degraded gauge');
    expect(text).toContain('clawback_daemon_degraded{reason="journal-write"} 1');
    expect(text).toContain('clawback_daemon_degraded{reason="state-write"} 0');
    expect(text.endsWith('\n')).toBe(true);
  });

  it('retry delay doubles from 1 s and is capped at 30 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 100].map((n) => faultRetryDelay(n))).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });
});

describe('JournalWriter on a full disk (real tmpfs)', () => {
  let disk: SmallDisk;
  beforeAll(() => {
    disk = mountSmallDisk('1m');
  });
  afterAll(() => disk?.unmount());
  afterEach(() => {
    disk.free();
    for (const f of readdirSync(disk.dir)) rmSync(path.join(disk.dir, f), { recursive: true, force: true });
  });

  const ev = (i: number, pad = 0): ClawbackEvent => ({ type: 'service.exited', time: i, severity: 'warning', message: `exit ${i} ${'p'.repeat(pad)}` });

  it('buffers refused lines without tearing the file, then flushes them in order on the retry timer', async () => {
    const clock = new FakeClock();
    const file = path.join(disk.dir, 'journal.jsonl');
    const faults: unknown[] = [];
    const recovered: Array<{ flushed: number; dropped: number }> = [];
    const j = new JournalWriter(file, { clock, onFault: (e) => faults.push(e), onRecovered: (f) => recovered.push(f) });
    j.append(ev(0));
    disk.fill(3000); // room for a few lines, then a line that lands half-way
    for (let i = 1; i <= 40; i++) j.append(ev(i, 300));
    expect(faults.length).toBeGreaterThan(0);
    expect((faults[0] as NodeJS.ErrnoException).code).toBe('ENOSPC');
    const buffered = j.backlog().buffered;
    expect(buffered).toBeGreaterThan(0);
    // No torn line: every line on disk parses.
    const scanFull = await scanJournal(file);
    expect(scanFull.corruptLines).toBe(0);
    clock.advance(1000); // retry while still full: nothing lost, still buffered
    expect(j.backlog().buffered).toBe(buffered);
    disk.free();
    clock.advance(2000);
    expect(j.backlog()).toEqual({ buffered: 0, dropped: 0 });
    expect(recovered).toEqual([{ flushed: buffered, dropped: 0 }]);
    const scan = await scanJournal(file);
    expect(scan.corruptLines).toBe(0);
    expect(scan.events.map((e) => e.time)).toEqual(Array.from({ length: 41 }, (_, i) => i));
    j.close();
  });

  it('bounds the buffer, counting the oldest lines it drops', () => {
    const clock = new FakeClock();
    const file = path.join(disk.dir, 'journal.jsonl');
    writeFileSync(file, '');
    const recovered: Array<{ flushed: number; dropped: number }> = [];
    const j = new JournalWriter(file, { clock, maxBuffered: 5, onRecovered: (f) => recovered.push(f) });
    disk.fill(0);
    for (let i = 0; i < 12; i++) j.append(ev(i));
    expect(j.backlog()).toEqual({ buffered: 5, dropped: 7 });
    disk.free();
    j.append(ev(12)); // the next append flushes (no need to wait for the timer)
    expect(recovered).toEqual([{ flushed: 5, dropped: 8 }]);
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as ClawbackEvent).time);
    expect(lines).toEqual([8, 9, 10, 11, 12]);
    j.close();
  });
});
