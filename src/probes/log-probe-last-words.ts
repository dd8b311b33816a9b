// A dying instance's output is read to its end at the exit: a fatal line printed right before a quick exit
// (EADDRINUSE at start-up) reaches the log probes even when no probe tick fell within the instance's life.
import type { ProbeConfigOf } from './probe-schema.js';
import { scanMoved, scanRange } from './log-probe.js';

const LINE_LIMIT = 500;

export interface LastWordsMatch {
  probe: ProbeConfigOf<'log'>;
  line: string;
  matches: number;
}

/**
 * For each log probe on the service's own output, the first line matching its pattern in what the instance
 * wrote after that probe's last read (or since the instance started), up to `to`; bounded by maxBytesPerTick.
 */
export async function lastWordsMatches(opts: {
  probes: ReadonlyArray<ProbeConfigOf<'log'>>;
  file: string;
  /** Log size when the instance started. */
  startOffset: number;
  /** Per probe name: how far its ticks read during this instance. */
  readTo: ReadonlyMap<string, number>;
  /** Log size at the exit. */
  to: number;
  /**
   * Per probe name: the inode of file.1 at its last read (or at the instance's start); file.1 is another one now
   * (`rotatedNow`) when a rotation moved the unread output there: it is read there, then the live file from 0.
   */
  marks?: ReadonlyMap<string, number | undefined>;
  rotatedNow?: number | undefined;
}): Promise<LastWordsMatch[]> {
  const out: LastWordsMatch[] = [];
  for (const probe of opts.probes) {
    if (probe.file !== undefined) continue; // another file: its own ticks read it, the exit changes nothing there
    const regex = new RegExp(probe.pattern, probe.flags);
    const mark = opts.marks?.get(probe.name);
    const rotated = opts.rotatedNow !== undefined && opts.marks?.has(probe.name) === true && mark !== opts.rotatedNow;
    // Rotated: the live file from 0 is all this instance's, the read position is in the oldest moved generation.
    const live = rotated ? Math.max(0, opts.to - probe.maxBytesPerTick) : Math.max(opts.startOffset, opts.readTo.get(probe.name) ?? 0, opts.to - probe.maxBytesPerTick);
    let found = live < opts.to ? await scanRange(opts.file, live, opts.to, regex).catch(() => undefined) : undefined;
    if (rotated) {
      const budget = probe.maxBytesPerTick - (opts.to - live);
      const hit = budget > 0 ? await scanMoved(opts.file, mark, Math.max(opts.startOffset, opts.readTo.get(probe.name) ?? 0), budget, regex).catch(() => undefined) : undefined;
      if (hit) found = { line: hit.line, matches: hit.matches + (found?.matches ?? 0) };
    }
    if (!found) continue;
    const line = found.line.length > LINE_LIMIT ? `${found.line.slice(0, LINE_LIMIT)}…` : found.line;
    out.push({ probe, line, matches: found.matches });
  }
  return out;
}
