// What the guardian queued while the daemon was down (a crash it saw, "could not revive", the services it started) was
// journaled at the end of the next daemon's boot: after that daemon's daemon.died, its services' starts and even next
// to daemon.started, so the journal showed the daemon start before the outage that caused it. Queued events come first
// now, and a claim of the queue is removed only once the journal holds its events: a daemon killed, or refused by a
// full disk, before then leaves them to the next one.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { appendPendingEvent, PendingEventsReader } from '../../src/daemon/pending-events.js';
import type { ClawbackEvent } from '../../src/observe/events.js';
import { FIXTURES, NODE, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { mountSmallDisk, type SmallDisk } from '../helpers/tmpfs.js';
import { waitFor } from '../helpers/processes.js';

const daemons: TestDaemon[] = [];
const disks: SmallDisk[] = [];
const dirs: string[] = [];
const temp = (prefix: string): string => {
  const dir = tempDir(prefix);
  dirs.push(dir);
  return dir;
};
afterEach(async () => {
  for (const d of daemons.splice(0)) await d.stop().catch(() => undefined);
  for (const d of disks.splice(0)) d.unmount();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const queued = (message: string, time: number): ClawbackEvent => ({ type: 'daemon.crashed', time, severity: 'critical', message, details: { notifiedBy: 'guardian' } });
const claimsIn = (dir: string): string[] => readdirSync(dir).filter((n) => n.startsWith('pending-events.jsonl'));

describe('the guardian queue and the next daemon start', () => {
  it('journals what the guardian queued before the new daemon\'s daemon.died, its boot and daemon.started', async () => {
    const dir = temp('clawback-pending-order-');
    const stateDir = path.join(dir, 'state');
    const dead = spawnSync(NODE, ['-e', '0']).pid!;
    const now = Date.now();
    appendPendingEvent(stateDir, queued('could not revive the daemon', now - 60_000));
    // The daemon that crashed: its daemon.json left behind (the next one says daemon.died of it).
    writeFileSync(path.join(stateDir, 'daemon.json'), JSON.stringify({ pid: dead, startedAt: now - 600_000, version: 'x', api: { host: '127.0.0.1', port: 1 }, heartbeatAt: now - 120_000, configPath: '', pidStartTime: 1 }));
    const d = await startTestDaemon({ services: [{ name: 'sl', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] }, { dir });
    daemons.push(d);
    const types = d.journal().map((e) => e.type);
    expect(types, types.join(', ')).toContain('daemon.died');
    expect(types.indexOf('daemon.crashed'), types.join(', ')).toBe(0);
    expect(types.filter((t) => t === 'daemon.crashed')).toHaveLength(1);
    expect(claimsIn(stateDir)).toEqual([]);
  }, 30_000);

  it('keeps a claim until its events are journaled: a daemon killed before then leaves them to the next one', () => {
    const stateDir = temp('clawback-pending-kept-');
    appendPendingEvent(stateDir, queued('a', 1));
    const first: ClawbackEvent[] = [];
    // Delivered, not journaled yet (a full disk, or the daemon killed now).
    new PendingEventsReader(stateDir, Date.now).take((e) => first.push(e), () => false);
    expect(first.map((e) => e.message)).toEqual(['a']);
    expect(claimsIn(stateDir)).toHaveLength(1);
    // The next daemon (a new reader) delivers it again, and removes it once journaled.
    const next: ClawbackEvent[] = [];
    new PendingEventsReader(stateDir, Date.now).take((e) => next.push(e));
    expect(next.map((e) => e.message)).toEqual(['a']);
    expect(claimsIn(stateDir)).toEqual([]);
  });

  it('a reader holding an unjournaled claim reads nothing more, and settles it once the journal has it', () => {
    const stateDir = temp('clawback-pending-settle-');
    appendPendingEvent(stateDir, queued('a', 1));
    const got: ClawbackEvent[] = [];
    let journaled = false;
    const reader = new PendingEventsReader(stateDir, Date.now);
    reader.take((e) => got.push(e), () => journaled);
    appendPendingEvent(stateDir, queued('b', 2));
    reader.take((e) => got.push(e), () => journaled);
    // 'b' is not claimed over the unjournaled claim of 'a' (the rename would replace it).
    expect(got.map((e) => e.message)).toEqual(['a']);
    journaled = true;
    reader.take((e) => got.push(e), () => journaled);
    expect(got.map((e) => e.message)).toEqual(['a', 'b']);
    expect(claimsIn(stateDir)).toEqual([]);
  });

  it('on a full disk the queued events stay on disk until the journal writes them, then are journaled once', async () => {
    const disk = mountSmallDisk('8m');
    disks.push(disk);
    const dir = path.join(disk.dir, 'd');
    const stateDir = path.join(dir, 'state');
    appendPendingEvent(stateDir, queued('queued on a full disk', Date.now() - 30_000));
    const d = await startTestDaemon({ services: [{ name: 'sl', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')], autostart: false }] }, { dir });
    daemons.push(d);
    await d.daemon.stop({ stopServices: true });
    daemons.length = 0;
    // Again on a disk that refuses every write: the queued event cannot reach the journal (a fresh journal file, as
    // after a rotation: an append into the last page of the old one would still fit).
    appendPendingEvent(stateDir, queued('second outage', Date.now()));
    rmSync(path.join(stateDir, 'journal.jsonl'), { force: true });
    // The start removes the stop's marker: gone first, so that no page it frees takes the journal's line.
    rmSync(path.join(stateDir, 'daemon.stopped'), { force: true });
    disk.fill();
    const again = await startTestDaemon({ services: [{ name: 'sl', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')], autostart: false }] }, { dir });
    daemons.push(again);
    expect(again.journal().some((e) => e.message === 'second outage')).toBe(false);
    expect(claimsIn(stateDir).length, 'the queue was removed before its events were journaled').toBeGreaterThan(0);
    disk.free();
    await waitFor(() => again.journal().some((e) => e.message === 'second outage') && claimsIn(stateDir).length === 0, { timeoutMs: 15_000 });
    expect(again.journal().filter((e) => e.message === 'second outage')).toHaveLength(1);
    expect(existsSync(path.join(stateDir, 'pending-events.jsonl'))).toBe(false);
  }, 40_000);
});
