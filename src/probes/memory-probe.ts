// The memory probe: RSS of the service's whole process tree against a warn level and a limit.
import { systemClock } from '../platform/clock.js';
import { ProcessTable } from '../platform/process-table.js';
import { formatBytes } from './byte-size.js';
import type { ProbeConfigOf } from './probe-schema.js';
import type { Probe, ProbeDeps, ProbeResult, ProbeTarget } from './probe-types.js';

/** How long the tree's membership is reused between walks: RSS is read every tick, the tree less often. */
export const TREE_REFRESH_MS = 2000;
/**
 * After TREE_REFRESH_MS the tree is walked again only if a process was created on the host since the last walk
 * (nothing new, no new member). This bounds how long a member that was reparented away is still counted, and how
 * late a new child is seen where the mark does not move as it should (a /proc/loadavg virtualised in a container).
 */
export const TREE_MAX_AGE_MS = 10_000;

const NOT_RUNNING: ProbeResult = Object.freeze({ status: 'unknown', message: 'the process is not running (or a zombie); nothing to measure' }) as ProbeResult;

/** Pure: the verdict for a measured tree RSS. */
export function memoryResult(rss: number, warn: number | undefined, limit: number | undefined): ProbeResult {
  const details = { rssBytes: rss, warnBytes: warn ?? null, limitBytes: limit ?? null };
  if (limit !== undefined && rss > limit) {
    return { status: 'failure', finding: 'memory-limit', message: `tree RSS ${formatBytes(rss)} is over the limit of ${formatBytes(limit)}`, value: rss, details };
  }
  if (warn !== undefined && rss > warn) {
    return { status: 'success', finding: 'memory-warn', message: `tree RSS ${formatBytes(rss)} is over the warning level of ${formatBytes(warn)}`, value: rss, details };
  }
  return { status: 'success', message: `tree RSS ${formatBytes(rss)}`, value: rss, details };
}

export function createMemoryProbe(config: ProbeConfigOf<'memory'>, deps: ProbeDeps = {}): Probe {
  const clock = deps.clock ?? systemClock();
  // A table of its own (no shared one given) keeps descriptors open: closed by dispose().
  const ownTable = deps.processTable === undefined ? new ProcessTable(clock) : undefined;
  const table = deps.processTable ?? ownTable!;
  let tree: { root: number; pids: number[]; at: number; mark: number | undefined } | undefined;
  // The tree's RSS often stays the same from one tick to the next (in pages): the last verdict is reused then.
  let last: { rss: number; result: ProbeResult } | undefined;
  // Small synchronous /proc reads: one statm file per member of the tree, whose membership is re-read at most every
  // TREE_REFRESH_MS and only when a process was created since (a walk reads a children file per thread of each member).
  const checkSync = (target: ProbeTarget): ProbeResult => {
    if (target.pid === undefined) return NOT_RUNNING;
    // A gone pid or a zombie has no resident pages: that read is the liveness check too.
    const rootRss = table.rssBytes(target.pid);
    if (rootRss === 0) return NOT_RUNNING;
    const now = clock.monotonic();
    if (!tree || tree.root !== target.pid || (now - tree.at >= TREE_REFRESH_MS && (now - tree.at >= TREE_MAX_AGE_MS || tree.mark === undefined || table.spawnMark() !== tree.mark))) {
      // The mark is read before the walk: a process created during the walk makes the next refresh walk again.
      const mark = table.spawnMark();
      tree = { root: target.pid, pids: table.treeMembers(target.pid), at: now, mark };
    }
    let rss = rootRss;
    for (const pid of tree.pids) if (pid !== target.pid) rss += table.rssBytes(pid);
    if (last === undefined || last.rss !== rss) last = { rss, result: memoryResult(rss, config.warn, config.limit) };
    return last.result;
  };
  return {
    kind: 'memory',
    check: (target: ProbeTarget): Promise<ProbeResult> => Promise.resolve(checkSync(target)),
    checkSync,
    dispose: () => ownTable?.close(),
  };
}
