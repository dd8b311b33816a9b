// The retention sweep looked only inside updates/<service>/ (the run dirs): the update records the daemon set aside
// beside them (`updates/<svc>.in-flight.json.unreadable-*` and `.orphan-*`) were never its: 25 of each, 40 days old,
// stayed for ever. They are now bounded like the other evidence kinds: the newest `keep` of each service and label stay.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sweepState } from '../../src/daemon/state-retention.js';
import { inFlightFile } from '../../src/update/update-in-flight.js';
import { fileStamp } from '../../src/platform/file-stamp.js';

const DAY = 86_400_000;
let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function age(p: string, ms: number): void {
  const t = new Date(ms);
  utimesSync(p, t, t);
}

describe('retention of the update records set aside', () => {
  it('updates/<svc>.in-flight.json.unreadable-* and .orphan-* are bounded per service and label; a live record is kept', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'clawback-record-evidence-'));
    const now = Date.now();
    const old = now - 40 * DAY;
    mkdirSync(path.join(dir, 'updates', 'gw'), { recursive: true });
    for (const svc of ['gw', 'api']) {
      for (let i = 0; i < 25; i++) {
        const at = old + i * 1000;
        const file = inFlightFile(dir, svc);
        // Set aside as the update plugin does (a rename): a torn file, a directory and a FIFO in the record's place.
        if (i % 3 === 0) writeFileSync(file, '{"torn');
        else if (i % 3 === 1) mkdirSync(path.join(file));
        else execFileSync('mkfifo', [file]);
        const unreadable = `${file}.unreadable-${fileStamp(at)}-${i.toString(16).padStart(4, '0')}`;
        renameSync(file, unreadable);
        age(unreadable, at);
        writeFileSync(file, '{"service":"x"}');
        const orphan = `${file}.orphan-${fileStamp(at)}-${i.toString(16).padStart(4, '0')}`;
        renameSync(file, orphan);
        age(orphan, at);
      }
    }
    // Not the sweep's: a live record (old, but an update in flight) and a person's file.
    writeFileSync(inFlightFile(dir, 'gw'), '{}');
    age(inFlightFile(dir, 'gw'), old);
    writeFileSync(path.join(dir, 'updates', 'notes.txt'), 'mine');
    age(path.join(dir, 'updates', 'notes.txt'), old);

    const removed = await sweepState(dir, now, new Set(), { keep: 20, maxAgeMs: 30 * DAY });
    expect(removed).toHaveLength(2 * 2 * 5);
    const names = readdirSync(path.join(dir, 'updates'));
    for (const svc of ['gw', 'api']) {
      for (const label of ['unreadable', 'orphan']) expect(names.filter((n) => n.startsWith(`${svc}.in-flight.json.${label}-`)), `${svc} ${label}`).toHaveLength(20);
    }
    // The oldest went, the newest stayed.
    expect(names.some((n) => n.endsWith('-0000') && n.startsWith('gw.in-flight.json.unreadable-'))).toBe(false);
    expect(names.some((n) => n.endsWith('-0018') && n.startsWith('gw.in-flight.json.unreadable-'))).toBe(true);
    expect(names).toContain('gw.in-flight.json');
    expect(names).toContain('notes.txt');
    expect(names).toContain('gw');
  });

  it('nothing recent is removed, however many', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'clawback-record-evidence-'));
    const now = Date.now();
    mkdirSync(path.join(dir, 'updates'), { recursive: true });
    for (let i = 0; i < 25; i++) writeFileSync(`${inFlightFile(dir, 'gw')}.unreadable-${fileStamp(now - i * 1000)}-${i}`, 'x');
    expect(await sweepState(dir, now, new Set(), { keep: 20, maxAgeMs: 30 * DAY })).toEqual([]);
  });
});
