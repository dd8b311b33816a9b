// A heap that stays high is one fault: the degraded reason's count (the banner's "(N×)", the recovery's "N failed
// attempts") counted every 2 s check while high, so ten minutes read as 300 failures; its figures still follow the heap.
import { describe, expect, it } from 'vitest';
import { DaemonFaults } from '../../src/daemon/daemon-faults.js';
import { HeapWatch } from '../../src/daemon/heap-watch.js';
import type { ClawbackEvent } from '../../src/observe/events.js';

describe('the heap fault count', () => {
  it('counts one fault while the heap stays high across checks; lastAt and lastError follow the latest check', () => {
    const events: ClawbackEvent[] = [];
    const logs: string[] = [];
    let now = 1_000;
    const faults = new DaemonFaults({ clock: { now: () => now }, emit: (e) => events.push(e), log: (_l, _f, m) => logs.push(m), stateDir: '/s' });
    let used = 85;
    const watch = new HeapWatch({ faults, shed: () => '', heap: () => ({ usedBytes: used * 1024 * 1024, limitBytes: 100 * 1024 * 1024 }) });
    for (let i = 0; i < 12; i++) {
      watch.check();
      now += 2_000;
      used = 85 + (i % 3);
    }
    const [heap] = faults.status().degraded;
    expect(heap!.reason).toBe('heap');
    expect(heap!.count).toBe(1);
    expect(heap!.since).toBe(1_000);
    expect(heap!.lastAt).toBe(1_000 + 11 * 2_000);
    expect(heap!.lastError).toMatch(/heap 8[5-7]\.0 MiB of its 100\.0 MiB limit/);
    // One announcement, no "still degraded ... (10 failures)" line for checks.
    expect(logs.filter((m) => m.includes('heap'))).toHaveLength(1);
    used = 50;
    watch.check();
    expect(events.map((e) => e.type)).toEqual(['daemon.degraded', 'daemon.recovered']);
    expect(events[1]!.message).toMatch(/\(1 failed attempts/);
  });

  it('a write that keeps failing still counts each failure', () => {
    const faults = new DaemonFaults({ clock: { now: () => 0 }, emit: () => undefined, log: () => undefined });
    for (let i = 0; i < 3; i++) faults.failed('state-write', Object.assign(new Error('no space left on device, write'), { code: 'ENOSPC' }));
    expect(faults.status().degraded[0]!.count).toBe(3);
  });
});
