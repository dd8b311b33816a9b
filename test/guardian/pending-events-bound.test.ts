// pending-events.jsonl stays bounded while the daemon stays down: each guardian pass queues its events (a crash-looping
// service it restarts directly, its hourly alert), and the file grew without end until the daemon came back.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { appendPendingEvent, PENDING_EVENTS_MAX_BYTES, takePendingEvents } from '../../src/daemon/pending-events.js';
import { guardianPassWithBlockedDaemon } from '../helpers/direct-revive.js';
import type { ClawbackEvent } from '../../src/observe/events.js';

const cleanup: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

const started = (i: number): ClawbackEvent => ({
  type: 'service.started',
  time: 1_700_000_000_000 + i * 60_000,
  severity: 'info',
  message: `cr started (pid ${10_000 + i})`,
  service: 'cr',
  details: { pid: 10_000 + i, reason: 'boot' },
});

function lines(file: string): ClawbackEvent[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as ClawbackEvent);
}

describe('pending-events.jsonl bound', () => {
  it('a month of guardian passes stays under the bound; the newest, the warnings and a count of the rest reach the daemon', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'clawback-pending-bound-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'pending-events.jsonl');
    const passes = 12_000;
    let max = 0;
    for (let i = 0; i < passes; i++) {
      appendPendingEvent(dir, started(i));
      // The hourly "could not revive the daemon" alert.
      if (i % 60 === 0 && i < 600) appendPendingEvent(dir, { type: 'daemon.crashed', time: started(i).time, severity: 'critical', message: `Guardian could not revive the clawback daemon (${i})` });
      if (i % 500 === 0) max = Math.max(max, statSync(file).size);
    }
    max = Math.max(max, statSync(file).size);
    expect(max).toBeLessThanOrEqual(PENDING_EVENTS_MAX_BYTES);

    const taken = takePendingEvents(dir);
    const summary = taken.find((e) => e.type === 'daemon.housekeeping');
    expect(summary?.severity).toBe('warning');
    const kept = taken.filter((e) => e !== summary);
    const d = summary!.details as { dropped: number; droppedByType: Record<string, number> };
    // Nothing vanishes without a count: kept + counted = queued.
    expect(kept.length + d.dropped).toBe(passes + 10);
    expect((d.droppedByType['service.started'] ?? 0) + kept.filter((e) => e.type === 'service.started').length).toBe(passes);
    // Every alert stays; the newest pass is there.
    expect(kept.filter((e) => e.type === 'daemon.crashed')).toHaveLength(10);
    expect(kept.some((e) => e.message === `cr started (pid ${10_000 + passes - 1})`)).toBe(true);
    expect(summary!.message).toMatch(/were dropped/);
  });

  it('a real guardian pass on a queue at the bound keeps it under the bound and queues its own events', async () => {
    const old = Array.from({ length: Math.ceil(PENDING_EVENTS_MAX_BYTES / 150) }, (_, i) => JSON.stringify(started(i))).join('\n') + '\n';
    const { stateDir, pass, pid } = await guardianPassWithBlockedDaemon('clawback-pending-pass-', cleanup, 60_000, (s) => writeFileSync(path.join(s, 'pending-events.jsonl'), old, { mode: 0o600 }));
    if (pass instanceof Error) throw pass;
    expect(pid).toBeGreaterThan(0);
    const file = path.join(stateDir, 'pending-events.jsonl');
    expect(statSync(file).size).toBeLessThanOrEqual(PENDING_EVENTS_MAX_BYTES);
    const queued = lines(file);
    expect(queued[0]!.type).toBe('daemon.housekeeping');
    expect(queued.some((e) => e.type === 'service.started' && e.service === 'sl' && (e.details as { pid: number }).pid === pid)).toBe(true);
    expect(queued.some((e) => e.type === 'daemon.crashed')).toBe(true);
  }, 90_000);

  it("an older guardian's unbounded queue (200k events) reaches the daemon bounded, with a count of the rest, not lost to a stack overflow", () => {
    // Seen with a running daemon: a 113 MB queue (600k events, an older release's guardian) made the drain throw
    // "Maximum call stack size exceeded" after the claim was deleted: every event lost, "recovered" 3 s later.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'clawback-pending-huge-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'pending-events.jsonl');
    const n = 200_000;
    const body: string[] = [];
    for (let i = 0; i < n; i++) body.push(JSON.stringify(started(i)));
    body.splice(1000, 0, JSON.stringify({ type: 'daemon.crashed', time: started(1000).time, severity: 'critical', message: 'Guardian could not revive the clawback daemon' }));
    writeFileSync(file, body.join('\n') + '\n');
    expect(statSync(file).size).toBeGreaterThan(PENDING_EVENTS_MAX_BYTES * 10);

    const taken = takePendingEvents(dir, () => false, () => 1_800_000_000_000);
    const summary = taken.find((e) => e.type === 'daemon.housekeeping');
    expect(summary?.details?.dropped).toBe(n + 1 - (taken.length - 1));
    expect(summary?.message).toContain('were dropped');
    // The newest and the warning stay; what is delivered fits the bound.
    expect(taken.some((e) => e.type === 'daemon.crashed')).toBe(true);
    expect(taken.some((e) => e.time === started(n - 1).time)).toBe(true);
    expect(Buffer.byteLength(taken.map((e) => JSON.stringify(e)).join('\n'))).toBeLessThanOrEqual(PENDING_EVENTS_MAX_BYTES);
    expect(takePendingEvents(dir)).toEqual([]);
  });
});
