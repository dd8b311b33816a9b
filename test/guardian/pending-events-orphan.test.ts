// The daemon claims pending-events.jsonl by renaming it to pending-events.jsonl.<pid>, then reads and deletes it. A
// daemon killed between the two (kill -9, OOM) left the claim behind and its events (the guardian's alerts, the starts
// it did itself) never reached the journal: the next daemon only looked for pending-events.jsonl.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { appendPendingEvent, takePendingEvents } from '../../src/daemon/pending-events.js';
import type { ClawbackEvent } from '../../src/observe/events.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const alert = (message: string, time: number): ClawbackEvent => ({ type: 'daemon.crashed', time, severity: 'critical', message });

/** The pid of a process that ran and is gone (reaped). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '0']);
  return r.pid!;
}

describe('pending-events.jsonl claims left by a dead daemon', () => {
  it('the next drain delivers a dead daemon\'s claim, before the current queue, and removes it', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'clawback-pending-orphan-'));
    dirs.push(dir);
    const dead = deadPid();
    writeFileSync(path.join(dir, `pending-events.jsonl.${dead}`), JSON.stringify(alert('orphaned', 1)) + '\n');
    appendPendingEvent(dir, alert('fresh', 2));

    const taken = takePendingEvents(dir);
    expect(taken.map((e) => e.message)).toEqual(['orphaned', 'fresh']);
    expect(readdirSync(dir).filter((n) => n.startsWith('pending-events'))).toEqual([]);
    // Delivered once.
    expect(takePendingEvents(dir)).toEqual([]);
  });

  it('leaves the claim of a live process alone', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'clawback-pending-orphan-'));
    dirs.push(dir);
    // A live process other than this one (the test runner's parent): its claim is not ours to take.
    const live = process.ppid;
    const claim = path.join(dir, `pending-events.jsonl.${live}`);
    writeFileSync(claim, JSON.stringify(alert('theirs', 1)) + '\n');
    expect(takePendingEvents(dir)).toEqual([]);
    expect(existsSync(claim)).toBe(true);
  });
});
