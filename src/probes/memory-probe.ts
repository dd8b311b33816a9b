// The memory probe: RSS of the service's whole process tree against a warn level and a limit.
import { systemClock } from '../platform/clock.js';
import { readPssBytes } from '../platform/proc.js';
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

/**
 * A tree of several processes is measured by PSS: forked workers (gunicorn --preload, puma, php-fpm, postgres) map
 * the same pages, and summed RSS counts each shared page once per worker (four workers of a 300 MiB master summed to
 * 1.2 GiB for 320 MiB used). Under the thresholds too: the memory forecast is fitted on the reported value, and summed
 * RSS rises for ever as workers touch more of a shared region (postgres backends and shared_buffers) with the memory
 * in use flat, so a forecast on it restarted a healthy service "before its OOM". PSS costs a page-table walk per
 * process, so it is read again at most this often; between reads, RSS growth since the read is added in full (a
 * private leak is counted at once) and the value is marked `pssEstimated` (the forecast skips it: the estimate rises
 * with shared pages too), and an estimate over the limit is confirmed by a fresh read first.
 */
export const PSS_REFRESH_MS = 10_000;

const NOT_RUNNING: ProbeResult = Object.freeze({ status: 'unknown', message: 'the process is not running (or a zombie); nothing to measure' }) as ProbeResult;

/** Pure: the verdict for a measured tree RSS, or (pss given) for its PSS, the value judged. */
export function memoryResult(rss: number, warn: number | undefined, limit: number | undefined, pss?: number, pssEstimated = false): ProbeResult {
  const value = pss ?? rss;
  const details = { rssBytes: rss, ...(pss !== undefined ? { pssBytes: pss } : {}), ...(pssEstimated ? { pssEstimated: true } : {}), warnBytes: warn ?? null, limitBytes: limit ?? null };
  const what = pss === undefined ? `tree RSS ${formatBytes(rss)}` : `tree PSS ${formatBytes(pss)} (RSS ${formatBytes(rss)} counts pages its processes share once per process)`;
  if (limit !== undefined && value > limit) {
    return { status: 'failure', finding: 'memory-limit', message: `${what} is over the limit of ${formatBytes(limit)}`, value, details };
  }
  if (warn !== undefined && value > warn) {
    return { status: 'success', finding: 'memory-warn', message: `${what} is over the warning level of ${formatBytes(warn)}`, value, details };
  }
  return { status: 'success', message: what, value, details };
}

export function createMemoryProbe(config: ProbeConfigOf<'memory'>, deps: ProbeDeps = {}): Probe {
  const clock = deps.clock ?? systemClock();
  // A table of its own (no shared one given) keeps descriptors open: closed by dispose().
  const ownTable = deps.processTable === undefined ? new ProcessTable(clock) : undefined;
  const table = deps.processTable ?? ownTable!;
  let tree: { root: number; pids: number[]; at: number; mark: number | undefined } | undefined;
  // The tree's RSS often stays the same from one tick to the next (in pages): the last verdict is reused then.
  let last: { rss: number; result: ProbeResult } | undefined;
  // The last PSS read of a several-process tree over a threshold, and the summed RSS at that read.
  let pssRead: { pids: number[]; rss: number; pss: number; at: number } | undefined;
  /** PSS of the tree's members; a member whose PSS cannot be read counts its RSS. */
  const treePss = (pids: readonly number[]): number => {
    let sum = 0;
    for (const pid of pids) sum += readPssBytes(pid) ?? table.rssBytes(pid);
    return sum;
  };
  const judge = (pids: number[], rss: number): ProbeResult => {
    if (pids.length < 2) {
      pssRead = undefined;
      return memoryResult(rss, config.warn, config.limit);
    }
    const now = clock.monotonic();
    const fresh = (): number => {
      const pss = treePss(pids);
      pssRead = { pids, rss, pss, at: now };
      return pss;
    };
    if (pssRead === undefined || !samePids(pssRead.pids, pids) || now - pssRead.at >= PSS_REFRESH_MS) return memoryResult(rss, config.warn, config.limit, fresh());
    const estimate = pssRead.pss + Math.max(0, rss - pssRead.rss);
    if (config.limit !== undefined && estimate > config.limit) return memoryResult(rss, config.warn, config.limit, fresh());
    return memoryResult(rss, config.warn, config.limit, estimate, true);
  };
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
    if (last === undefined || last.rss !== rss) last = { rss, result: judge(tree.pids, rss) };
    return last.result;
  };
  return {
    kind: 'memory',
    check: (target: ProbeTarget): Promise<ProbeResult> => Promise.resolve(checkSync(target)),
    checkSync,
    dispose: () => ownTable?.close(),
  };
}

function samePids(a: readonly number[], b: readonly number[]): boolean {
  return a === b || (a.length === b.length && a.every((pid, i) => pid === b[i]));
}
