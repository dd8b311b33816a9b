// Events from processes other than the daemon (the guardian): queued in a file, emitted by the next daemon start.
import { appendFileSync, existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import type { ClawbackEvent } from '../observe/events.js';
import { isClawbackEvent } from '../observe/journal-read.js';
import { namingFile, writeFileAtomicSync } from '../platform/atomic-write.js';
import { isAlive as procIsAlive } from '../platform/proc.js';
import { readRegularFileSync } from '../platform/read-regular.js';
import { PENDING_LOCK_FILE, tryPendingLock, withPendingLock } from './pending-lock.js';
import { mkdirRecursiveSync } from '../platform/mkdir-cause.js';

const FILE = 'pending-events.jsonl';

/**
 * The queue's bound. A daemon that stays down for weeks (its API port held, a crash at start) has each guardian pass
 * queue its events (a crash-looping service restarted directly: ~160 bytes a pass, a pass a minute, per service): the
 * file grew without end, and the daemon that came back read it whole into memory and journaled it at once.
 */
export const PENDING_EVENTS_MAX_BYTES = 1024 * 1024;

export interface PendingCompaction {
  kept: string[];
  /** One `daemon.housekeeping` line naming what was dropped (counts by type, first and last time); first in the file. */
  summary: ClawbackEvent;
}

/**
 * Pure: when the queue passed `maxBytes`, which lines stay. The newest lines that fit in half the bound stay, warnings
 * and worse before info (a "could not revive" alert outlives a thousand "started" lines); what goes is counted in one
 * summary, which folds in the counts of an earlier summary so that repeated compactions lose no count.
 */
export function compactPendingLines(lines: readonly string[], maxBytes: number, now: number): PendingCompaction {
  // A torn or damaged line (not an event): dropped, counted as unreadable.
  const parsed = lines.filter((l) => l !== '').map((line) => ({ line, e: queuedEvent(line) }));
  const isSummary = (e: ClawbackEvent | undefined): boolean => e?.type === 'daemon.housekeeping' && typeof e.details?.dropped === 'number';
  const budget = Math.floor(maxBytes / 2);
  const keep = new Set<number>();
  let used = 0;
  for (const pass of [(e?: ClawbackEvent) => e !== undefined && e.severity !== 'info', (e?: ClawbackEvent) => e !== undefined]) {
    for (let i = parsed.length - 1; i >= 0; i--) {
      const { line, e } = parsed[i]!;
      if (keep.has(i) || isSummary(e) || !pass(e)) continue;
      const bytes = Buffer.byteLength(line) + 1;
      if (used + bytes > budget) continue;
      keep.add(i);
      used += bytes;
    }
  }
  const byType: Record<string, number> = {};
  let dropped = 0;
  let from: number | undefined;
  let to: number | undefined;
  const seen = (t: number | undefined): void => {
    if (typeof t !== 'number') return;
    from = from === undefined ? t : Math.min(from, t);
    to = to === undefined ? t : Math.max(to, t);
  };
  parsed.forEach(({ e }, i) => {
    if (keep.has(i)) return;
    if (e && isSummary(e)) {
      const d = e.details as { dropped: number; droppedByType?: Record<string, number>; droppedFrom?: number; droppedTo?: number };
      dropped += d.dropped;
      for (const [t, n] of Object.entries(d.droppedByType ?? {})) byType[t] = (byType[t] ?? 0) + n;
      seen(d.droppedFrom);
      seen(d.droppedTo);
      return;
    }
    dropped++;
    const t = e?.type ?? 'unreadable';
    byType[t] = (byType[t] ?? 0) + 1;
    seen(e?.time);
  });
  const span = from !== undefined && to !== undefined ? ` between ${new Date(from).toISOString()} and ${new Date(to).toISOString()}` : '';
  const kinds = Object.entries(byType)
    .sort((a, b) => b[1] - a[1])
    .map(([t, n]) => `${n} ${t}`)
    .join(', ');
  const summary: ClawbackEvent = {
    type: 'daemon.housekeeping',
    time: now,
    severity: 'warning',
    message: `${dropped} event(s) queued while the daemon was down${span} were dropped: ${FILE} passed ${maxBytes} bytes (${kinds}); the newest and the warnings were kept`,
    details: { dropped, droppedByType: byType, ...(from !== undefined ? { droppedFrom: from } : {}), ...(to !== undefined ? { droppedTo: to } : {}) },
  };
  return { kept: parsed.filter((_, i) => keep.has(i)).map((p) => p.line), summary };
}

export function appendPendingEvent(stateDir: string, event: ClawbackEvent, maxBytes = PENDING_EVENTS_MAX_BYTES): void {
  mkdirRecursiveSync(stateDir, 0o700);
  // Under the lock the daemon's claim takes too: an append (or a compaction) never straddles a claim.
  withPendingLock(path.join(stateDir, PENDING_LOCK_FILE), () => appendLocked(stateDir, event, maxBytes));
}

function appendLocked(stateDir: string, event: ClawbackEvent, maxBytes: number): void {
  const file = path.join(stateDir, FILE);
  const line = JSON.stringify(event) + '\n';
  let size = 0;
  try {
    size = statSync(file).size;
  } catch {
    // absent: the first event of this down spell
  }
  if (size + Buffer.byteLength(line) > maxBytes) {
    const lines = [...readRegularFileSync(file).toString('utf8').split('\n'), line.slice(0, -1)];
    const { kept, summary } = compactPendingLines(lines, maxBytes, event.time);
    writeFileAtomicSync(file, [JSON.stringify(summary), ...kept].join('\n') + '\n', { mode: 0o600 });
    return;
  }
  try {
    appendFileSync(file, line, { mode: 0o600 });
  } catch (err) {
    // A refused append (a full disk) said only "ENOSPC: ..., write": the queue file is named.
    throw namingFile(err, file);
  }
}

/** What one drain found. */
export interface PendingDrain {
  events: ClawbackEvent[];
  /** A claim was left for a later drain (held by a live process, or unreadable now): the next drain lists again. */
  claimsLeft: boolean;
  /** Reading a claim failed, this drain's own or one left before (the events of the others are still in `events`). */
  error?: unknown;
  /**
   * The claims whose events are in `events`, still on disk: removed by the caller once those events are journaled
   * (`removeClaims`). Deleted at the read, a daemon killed (or refused by a full disk) before its journal had them
   * lost the guardian's alerts.
   */
  claims: string[];
}

/** Removes claims whose events are delivered; true when all are gone (one that cannot be removed is tried again). */
export function removeClaims(claims: readonly string[]): boolean {
  let all = true;
  for (const claim of claims) {
    try {
      rmSync(claim, { force: true });
    } catch {
      all = false;
    }
  }
  return all;
}

/**
 * Reads and removes the queue; a line that is no event (torn, damaged) is skipped, and said in one warning per claim. The queue is claimed by renaming it to
 * `pending-events.jsonl.<pid>`: a claim whose daemon died before it deleted it (kill -9, OOM, power loss between the
 * rename and the delete), or that this daemon could not read before, is taken first, older events first. A claim of a
 * live process other than this one is left alone: pid reuse can only delay a claim, never take a live one.
 * `scanClaims` false skips the listing of the state dir: such claims can only be there from before this daemon
 * started or after a drain that left one (see `PendingEventsReader`).
 */
export function drainPendingEvents(
  stateDir: string,
  scanClaims: boolean,
  isAlive: (pid: number) => boolean = procIsAlive,
  now: () => number = Date.now,
  maxBytes = PENDING_EVENTS_MAX_BYTES,
): PendingDrain {
  const drain = claimPendingEvents(stateDir, scanClaims, isAlive, now, maxBytes);
  removeClaims(drain.claims);
  return { ...drain, claims: [] };
}

/** `drainPendingEvents` that leaves the claims it read on disk (`drain.claims`), for the caller to remove once journaled. */
export function claimPendingEvents(
  stateDir: string,
  scanClaims: boolean,
  isAlive: (pid: number) => boolean = procIsAlive,
  now: () => number = Date.now,
  maxBytes = PENDING_EVENTS_MAX_BYTES,
  /** Claims delivered already that could not be removed: not delivered again. */
  skip: ReadonlySet<string> = new Set(),
): PendingDrain {
  const file = path.join(stateDir, FILE);
  const taken = `${file}.${process.pid}`;
  const events: ClawbackEvent[] = [];
  const claims: string[] = [];
  let claimsLeft = false;
  let error: unknown;
  if (scanClaims) {
    const { free, held } = leftClaims(stateDir, isAlive, skip);
    claimsLeft = held;
    for (const claim of free) {
      try {
        for (const e of readClaim(path.join(stateDir, claim), maxBytes, now())) events.push(e);
        claims.push(path.join(stateDir, claim));
      } catch (err) {
        // Unreadable now: kept, tried again at the next drain (and said); the live queue is not held up by it.
        claimsLeft = true;
        error ??= err;
      }
    }
  }
  const done = (): PendingDrain => (error === undefined ? { events, claimsLeft, claims } : { events, claimsLeft, claims, error });
  // Checked every 2 s and almost always absent: a failing renameSync builds an Error with a stack each time.
  if (!existsSync(file)) return done();
  // A writer holding the lock is mid-append: claimed at the next drain, once its line is whole in the queue.
  let release: (() => void) | undefined;
  try {
    release = tryPendingLock(path.join(stateDir, PENDING_LOCK_FILE));
    if (!release) return done();
  } catch {
    // The lock cannot be written (a full disk): claimed without it, as before, rather than never.
  }
  try {
    renameSync(file, taken);
  } catch {
    return done();
  } finally {
    release?.();
  }
  try {
    // Not events.push(...read): past ~120k events that spread overflowed the stack after the claim was deleted.
    for (const e of readClaim(taken, maxBytes, now())) events.push(e);
    claims.push(taken);
  } catch (err) {
    // Our own claim stays behind; the next drain lists the dir and takes it.
    claimsLeft = true;
    error ??= err;
  }
  return done();
}

/** `drainPendingEvents` with the listing, throwing if its own claim could not be read (one-off callers and tests). */
export function takePendingEvents(stateDir: string, isAlive: (pid: number) => boolean = procIsAlive, now: () => number = Date.now, maxBytes = PENDING_EVENTS_MAX_BYTES): ClawbackEvent[] {
  const drain = drainPendingEvents(stateDir, true, isAlive, now, maxBytes);
  if (drain.error !== undefined) throw drain.error;
  return drain.events;
}

/**
 * The daemon's reader, drained every 2 s: it lists the state dir for claims left behind at its first drain and
 * again only while a drain left one, so the usual "nothing queued" drain stays one `existsSync`. A claim is removed only
 * once `journaled` says its events are in the journal (written, not buffered in memory: a full disk, or a start still
 * holding its events): until then it stays on disk, and a daemon killed meanwhile leaves it to the next one.
 */
export class PendingEventsReader {
  private scanClaims = true;
  /** Claims whose events were delivered, to be removed once they are journaled. */
  private unsettled: string[] = [];
  /** Delivered and journaled, but their removal failed (a read-only dir): never delivered again by this reader. */
  private readonly delivered = new Set<string>();

  constructor(
    private readonly stateDir: string,
    private readonly now: () => number,
    private readonly isAlive: (pid: number) => boolean = procIsAlive,
  ) {}

  /** The events queued since the last call; throws (after handing over what it read to `deliver`) when a read failed. */
  take(deliver: (e: ClawbackEvent) => void, journaled: () => boolean = () => true): void {
    // Delivered claims not yet journaled: nothing more is read (they would be delivered again) until they are.
    if (!this.settle(journaled)) return;
    const drain = claimPendingEvents(this.stateDir, this.scanClaims, this.isAlive, this.now, PENDING_EVENTS_MAX_BYTES, this.delivered);
    this.scanClaims = drain.claimsLeft;
    for (const e of drain.events) deliver(e);
    this.unsettled = drain.claims;
    this.settle(journaled);
    if (drain.error !== undefined) throw drain.error;
  }

  /** Removes the delivered claims once their events are journaled; true when none is left. */
  settle(journaled: () => boolean = () => true): boolean {
    if (this.unsettled.length === 0) return true;
    if (!journaled()) return false;
    for (const claim of this.unsettled) if (!removeClaims([claim])) this.delivered.add(claim);
    this.unsettled = [];
    return true;
  }
}

/** Claims no live process but this one holds, oldest first (by the time of their claim); `held`: a live one's seen. */
function leftClaims(stateDir: string, isAlive: (pid: number) => boolean, skip: ReadonlySet<string>): { free: string[]; held: boolean } {
  let names: string[];
  try {
    names = readdirSync(stateDir);
  } catch {
    return { free: [], held: true };
  }
  let held = false;
  const claims: Array<{ name: string; at: number }> = [];
  for (const name of names) {
    const m = /^pending-events\.jsonl\.(\d+)$/.exec(name);
    if (!m || skip.has(path.join(stateDir, name))) continue;
    const pid = Number(m[1]);
    if (pid !== process.pid && isAlive(pid)) {
      held = true;
      continue;
    }
    let at = 0;
    try {
      at = statSync(path.join(stateDir, name)).mtimeMs;
    } catch {
      continue;
    }
    claims.push({ name, at });
  }
  return { free: claims.sort((a, b) => a.at - b.at).map((c) => c.name), held };
}

/**
 * A claimed queue's events; the claim stays until its events are journaled (`removeClaims`; a read that throws leaves it for the next drain). A queue past
 * the bound (an older guardian's, unbounded: 113 MB, 600k events seen) is cut the way the guardian cuts it, with one
 * summary of what was dropped: journaling and notifying it whole at once is not delivery.
 */
function readClaim(claim: string, maxBytes: number, now: number): ClawbackEvent[] {
  const out: ClawbackEvent[] = [];
  // Never a plain read: a FIFO in the claim's place would hold the daemon for good (now it throws, and is said, as an
  // unreadable claim is, at each drain until put right).
  const text = readRegularFileSync(claim).toString('utf8');
  let lines = text.split('\n');
  if (statSync(claim).size > maxBytes) {
    const { kept, summary } = compactPendingLines(lines, maxBytes, now);
    lines = [JSON.stringify(summary), ...kept];
  }
  let unreadable = 0;
  for (const line of lines) {
    if (!line) continue;
    const e = queuedEvent(line);
    if (e) out.push(e);
    else unreadable++;
  }
  // Said once per claim: a torn line from a crashed writer, or a damaged file, was an event nobody will see.
  if (unreadable > 0) {
    out.push({
      type: 'daemon.housekeeping',
      time: now,
      severity: 'warning',
      message: `${unreadable} line(s) of ${FILE} were not events (torn by a writer that died, or damaged) and were dropped; the other queued events were delivered`,
      details: { dropped: unreadable, droppedByType: { unreadable } },
    });
  }
  return out;
}

const SEVERITIES: ReadonlySet<unknown> = new Set(['info', 'warning', 'critical', 'resolved']);

/**
 * One queued line as an event, or undefined: a line that parses but is no event (`null`, `42`, an array, an object
 * without type, time, severity or message) threw in the compaction (`null.severity`) and held the whole queue back for
 * good, or went to the journal and the notifiers as it was.
 */
function queuedEvent(line: string): ClawbackEvent | undefined {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return undefined;
  }
  // The journal reader's shape check, and what the notifiers read besides: a message, a severity they know.
  return isClawbackEvent(v) && typeof v.message === 'string' && SEVERITIES.has(v.severity) ? v : undefined;
}
