// The daemon drains the guardian's queue every 2 s. Looking for claims a dead daemon left needs a listing of the state
// dir; such claims can only be there from before the daemon started, or after a drain that left one (held by a live
// process, unreadable): the reader lists at its first drain and then only while a drain left a claim, so the usual
// drain is one existsSync again.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { appendPendingEvent, PendingEventsReader } from '../../src/daemon/pending-events.js';
import type { ClawbackEvent } from '../../src/observe/events.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const alert = (message: string, time: number): ClawbackEvent => ({ type: 'daemon.crashed', time, severity: 'critical', message });

function tmp(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'clawback-pending-reader-'));
  dirs.push(dir);
  return dir;
}

function take(reader: PendingEventsReader): string[] {
  const got: string[] = [];
  reader.take((e) => got.push(e.message));
  return got;
}

describe('the daemon\'s reader of pending-events.jsonl', () => {
  it('delivers a claim a live process held once that process is gone (it keeps listing while a claim is left)', async () => {
    const dir = tmp();
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      writeFileSync(path.join(dir, `pending-events.jsonl.${holder.pid}`), JSON.stringify(alert('held', 1)) + '\n');
      const reader = new PendingEventsReader(dir, Date.now);
      expect(take(reader)).toEqual([]);
      appendPendingEvent(dir, alert('fresh', 2));
      expect(take(reader)).toEqual(['fresh']);
      const gone = new Promise((r) => holder.once('exit', r));
      holder.kill('SIGKILL');
      await gone;
      expect(take(reader)).toEqual(['held']);
      expect(existsSync(path.join(dir, `pending-events.jsonl.${holder.pid}`))).toBe(false);
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('after a drain that left nothing behind it no longer lists the dir: only the live queue is read', () => {
    const dir = tmp();
    const reader = new PendingEventsReader(dir, Date.now);
    appendPendingEvent(dir, alert('first', 1));
    expect(take(reader)).toEqual(['first']);
    // A claim that could only appear from outside the daemon's life (a copy put back by hand): not looked for.
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const stray = path.join(dir, `pending-events.jsonl.${dead}`);
    writeFileSync(stray, JSON.stringify(alert('stray', 0)) + '\n');
    appendPendingEvent(dir, alert('second', 2));
    expect(take(reader)).toEqual(['second']);
    expect(existsSync(stray)).toBe(true);
    // The next daemon's first drain takes it.
    expect(take(new PendingEventsReader(dir, Date.now))).toEqual(['stray']);
  });

  it('its own claim left unreadable is retried at the next drain, and the claims read before it are delivered', () => {
    const dir = tmp();
    const reader = new PendingEventsReader(dir, Date.now);
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    writeFileSync(path.join(dir, `pending-events.jsonl.${dead}`), JSON.stringify(alert('orphan', 1)) + '\n');
    // The live queue is a directory: renamed to our claim, then the read fails (EISDIR).
    const own = path.join(dir, `pending-events.jsonl.${process.pid}`);
    mkdirSync(path.join(dir, 'pending-events.jsonl'));
    const got: string[] = [];
    expect(() => reader.take((e) => got.push(e.message))).toThrow();
    expect(got).toEqual(['orphan']);
    // Still unreadable at the next drain: said again (the daemon's fault stays raised), not passed over in silence.
    expect(() => reader.take(() => undefined)).toThrow(/EISDIR|is a directory/);
    // Put right by hand: the claim is a readable file now; the next drain lists again and takes it.
    rmSync(own, { recursive: true, force: true });
    writeFileSync(own, JSON.stringify(alert('mine', 2)) + '\n');
    expect(take(reader)).toEqual(['mine']);
    expect(existsSync(own)).toBe(false);
  });
});

