// A FIFO, a directory or a link to /dev/zero in journal.jsonl's place (a bad restore, a person's mkfifo, an agent) left
// the daemon degraded for its whole life (journal-write, ENOTREG/EISDIR, 5x in 6 s, every line held in memory and lost
// at exit) with the odd file where it was. Now it is moved aside as journal.jsonl.not-a-file-<time> (kept as evidence),
// named once in a daemon.fault, and the journal written again: at boot and when it happens during a run.
// The journal is read only once it is a regular file (a sync read of a FIFO or /dev/zero would never return, so a
// missing fix would hang the worker instead of failing), and every wait is bounded.
import { afterEach, describe, expect, it } from 'vitest';
import { lstatSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { NODE, readJournalFile, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { makeSpecial, type SpecialKind } from '../helpers/special-files.js';
import { waitFor } from '../helpers/processes.js';
import type { ClawbackEvent } from '../../src/observe/events.js';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanup.length) await Promise.resolve(cleanup.pop()!()).catch(() => undefined);
});

/** The journal's events, or [] while something that is not a regular file is in its place (never read through it). */
const journalIfFile = (file: string): ClawbackEvent[] => {
  try {
    return lstatSync(file).isFile() ? readJournalFile(file) : [];
  } catch {
    return [];
  }
};

const kept = (stateDir: string): string[] => readdirSync(stateDir).filter((n) => n.startsWith('journal.jsonl.not-a-file-')).sort();

describe('journal.jsonl of an odd shape', () => {
  it.each<SpecialKind>(['fifo', 'directory', 'link-to-dev-zero'])('%s at boot, then a directory during the run: moved aside, said once each, the journal written', async (kind) => {
    const dir = tempDir('clawback-journal-odd-');
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const stateDir = path.join(dir, 'state');
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    const journalFile = path.join(stateDir, 'journal.jsonl');
    await makeSpecial(kind, journalFile);
    const t: TestDaemon = await startTestDaemon({ services: [{ name: 'svc', command: [NODE, '-e', 'setInterval(() => {}, 1e9)'] }] }, { dir });
    cleanup.push(() => t.stop());

    await waitFor(() => t.events.some((e) => e.type === 'daemon.started') || undefined, { timeoutMs: 15_000, intervalMs: 50, message: 'daemon.started on the bus' });
    await waitFor(() => journalIfFile(journalFile).some((e) => e.type === 'daemon.started') || undefined, {
      timeoutMs: 5_000,
      intervalMs: 50,
      message: () => `daemon.started in a regular journal.jsonl (degraded journal-write: ${t.daemon.faults.isDegraded('journal-write')})`,
    });
    expect(lstatSync(journalFile).isFile()).toBe(true);
    expect(kept(stateDir)).toHaveLength(1);
    expect(t.daemon.faults.isDegraded('journal-write')).toBe(false);
    const faults = () => journalIfFile(journalFile).filter((e) => e.type === 'daemon.fault' && e.details?.effect === 'journal-write');
    expect(faults()).toHaveLength(1);
    expect(faults()[0]!.message).toContain(`moved aside to ${path.join(stateDir, kept(stateDir)[0]!)}`);

    // During the run: a directory takes its place; the next line moves it aside too.
    rmSync(journalFile);
    mkdirSync(journalFile);
    await new Promise((r) => setTimeout(r, 5)); // a distinct evidence name
    t.daemon.ctx.emit({ type: 'service.exited', time: Date.now(), severity: 'warning', message: 'a line after the swap' });
    expect(lstatSync(journalFile).isFile()).toBe(true);
    expect(kept(stateDir)).toHaveLength(2);
    expect(journalIfFile(journalFile).some((e) => e.message === 'a line after the swap')).toBe(true);
    // The swap's file went with the journal removed above: the new journal names the second move, the bus saw both.
    expect(faults().map((e) => e.message)).toEqual([expect.stringContaining(`was a directory, not a regular file: moved aside to ${path.join(stateDir, kept(stateDir)[1]!)}`)]);
    expect(t.events.filter((e) => e.type === 'daemon.fault' && e.details?.effect === 'journal-write')).toHaveLength(2);
    expect(t.daemon.faults.isDegraded('journal-write')).toBe(false);
  }, 60_000);
});
