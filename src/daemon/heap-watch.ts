// The daemon's own V8 heap: near heap_size_limit it degrades loudly (a `heap` fault) and sheds its caches, instead of
// dying of "JavaScript heap out of memory" with no status, event or alert first. Checked on the 2 s chore, no timer.
import { daemonHeap, type HeapFigures } from '../platform/heap-figures.js';
import { HEAP_FAULT_CODE, type DaemonFaults } from './daemon-faults.js';

/** Degraded at or above this share of heap_size_limit. */
export const HEAP_DEGRADED_RATIO = 0.8;
/** Cleared again below this share (hysteresis: a heap hovering at the threshold does not flap). */
export const HEAP_CLEARED_RATIO = 0.7;

export interface HeapWatchDeps {
  faults: Pick<DaemonFaults, 'persists' | 'ok' | 'isDegraded'>;
  /** Drops what the daemon can rebuild (the redactor's memo); returns what it dropped, for the fault's message. */
  shed: () => string;
  /** Default: V8's own figures for the old generation (cheap: no heap walk). */
  heap?: () => HeapFigures;
}

/**
 * A JSON file read whole at start costs its text and its parsed objects in the heap, several times its size: a 21 MB
 * state.json killed a daemon at --max-old-space-size=32 with "heap out of memory" in JSON.parse at every start.
 */
export const WHOLE_READ_HEAP_FACTOR = 8;

/** The most bytes a file read whole may have: `maxBytes`, or less when the heap left is small (1/8 of it). */
export function wholeReadLimit(maxBytes: number, heap: () => HeapFigures = daemonHeap): number {
  let h: HeapFigures;
  try {
    h = heap();
  } catch {
    return maxBytes;
  }
  if (!(h.limitBytes > 0)) return maxBytes;
  return Math.max(0, Math.min(maxBytes, Math.floor((h.limitBytes - h.usedBytes) / WHOLE_READ_HEAP_FACTOR)));
}

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

export function heapFaultError(h: HeapFigures, shed: string): Error {
  const pct = Math.round((100 * h.usedBytes) / h.limitBytes);
  return Object.assign(new Error(`JavaScript heap ${mib(h.usedBytes)} of its ${mib(h.limitBytes)} limit (${pct}%, degraded from ${Math.round(HEAP_DEGRADED_RATIO * 100)}%)${shed ? `; ${shed}` : ''}`), {
    code: HEAP_FAULT_CODE,
  });
}

/** One check per call; the caller's chore timer calls it. */
export class HeapWatch {
  constructor(private readonly deps: HeapWatchDeps) {}

  check(): void {
    let h: HeapFigures;
    try {
      h = (this.deps.heap ?? daemonHeap)();
    } catch {
      return;
    }
    if (!(h.limitBytes > 0)) return;
    const ratio = h.usedBytes / h.limitBytes;
    const degraded = this.deps.faults.isDegraded('heap');
    if (ratio >= HEAP_DEGRADED_RATIO || (degraded && ratio >= HEAP_CLEARED_RATIO)) {
      // Shed at every check while high: the caches refill between checks.
      let shed = '';
      try {
        shed = this.deps.shed();
      } catch {
        // shedding is best effort
      }
      // A heap that stays high is one fault, not one per check: its count says how often it crossed, not how long.
      this.deps.faults.persists('heap', heapFaultError(h, shed));
    } else if (degraded) {
      this.deps.faults.ok('heap', { 'heap used MiB': Number((h.usedBytes / 1024 / 1024).toFixed(1)), 'heap limit MiB': Number((h.limitBytes / 1024 / 1024).toFixed(1)) });
    }
  }
}
