// A dying instance's output is read to its end at the exit: a fatal line printed right before a quick exit
// (EADDRINUSE at start-up) reaches the log probes even when no probe tick fell within the instance's life.
import type { ProbeConfigOf } from './probe-schema.js';
import { scanRange } from './log-probe.js';

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
}): Promise<LastWordsMatch[]> {
  const out: LastWordsMatch[] = [];
  for (const probe of opts.probes) {
    if (probe.file !== undefined) continue; // another file: its own ticks read it, the exit changes nothing there
    const from = Math.max(opts.startOffset, opts.readTo.get(probe.name) ?? 0, opts.to - probe.maxBytesPerTick);
    if (from >= opts.to) continue;
    const found = await scanRange(opts.file, from, opts.to, new RegExp(probe.pattern, probe.flags)).catch(() => undefined);
    if (!found) continue;
    const line = found.line.length > LINE_LIMIT ? `${found.line.slice(0, LINE_LIMIT)}…` : found.line;
    out.push({ probe, line, matches: found.matches });
  }
  return out;
}
