// The memory probe: RSS of the service's whole process tree against a warn level and a limit.
import { isAlive, rssOfPids, treeMembers } from '../platform/proc.js';
import { systemClock } from '../platform/clock.js';
import { formatBytes } from './byte-size.js';
import type { ProbeConfigOf } from './probe-schema.js';
import type { Probe, ProbeDeps, ProbeResult, ProbeTarget } from './probe-types.js';

/** How long the tree's membership is reused between walks: RSS is read every tick, the tree less often. */
export const TREE_REFRESH_MS = 2000;

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
  let tree: { root: number; pids: number[]; at: number } | undefined;
  return {
    kind: 'memory',
    check(target: ProbeTarget): Promise<ProbeResult> {
      // Small synchronous /proc reads: one stat file per member of the tree, which is re-walked
      // only every TREE_REFRESH_MS (a walk reads every thread's children file).
      if (target.pid === undefined || !isAlive(target.pid)) {
        return Promise.resolve({ status: 'unknown', message: 'the process is not running; nothing to measure' });
      }
      const now = clock.monotonic();
      if (!tree || tree.root !== target.pid || now - tree.at >= TREE_REFRESH_MS) tree = { root: target.pid, pids: treeMembers(target.pid), at: now };
      const rss = rssOfPids(tree.pids);
      if (rss === 0) return Promise.resolve({ status: 'unknown', message: `could not read the RSS of pid ${target.pid}` });
      return Promise.resolve(memoryResult(rss, config.warn, config.limit));
    },
  };
}
