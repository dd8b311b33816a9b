// This process's V8 old generation against the limit it dies at: shared by the heap fault and /metrics.
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';

export interface HeapFigures {
  usedBytes: number;
  limitBytes: number;
}

/**
 * `--max-old-space-size` in MiB from the daemon's node flags (NODE_OPTIONS or its command line), the last one winning:
 * V8's heap_size_limit adds the young generation (48 MiB on x64), so at `--max-old-space-size=16` the daemon died of
 * "heap out of memory" at 25% of it; the old generation's own limit is what it dies at.
 */
export function maxOldSpaceMiB(execArgv: readonly string[], nodeOptions: string | undefined): number | undefined {
  let found: number | undefined;
  for (const arg of [...(nodeOptions ?? '').split(/\s+/), ...execArgv]) {
    const m = /^--max[-_]old[-_]space[-_]size=(\d+)$/.exec(arg);
    if (m && Number(m[1]) > 0) found = Number(m[1]);
  }
  return found;
}

/** The old generation in use (what --max-old-space-size bounds) against its limit. */
export function daemonHeap(): HeapFigures {
  const s = getHeapStatistics();
  const young = getHeapSpaceStatistics()
    .filter((sp) => sp.space_name.startsWith('new_'))
    .reduce((sum, sp) => sum + sp.space_used_size, 0);
  const flag = maxOldSpaceMiB(process.execArgv, process.env.NODE_OPTIONS);
  return { usedBytes: s.used_heap_size - young, limitBytes: flag !== undefined ? Math.min(flag * 1024 * 1024, s.heap_size_limit) : s.heap_size_limit };
}

