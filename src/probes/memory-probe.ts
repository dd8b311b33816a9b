// The memory probe: RSS of the service's whole process tree against a warn level and a limit.
import { isAlive, treeRssBytes } from '../platform/proc.js';
import { formatBytes } from './byte-size.js';
import type { ProbeConfigOf } from './probe-schema.js';
import type { Probe, ProbeResult, ProbeTarget } from './probe-types.js';

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

export function createMemoryProbe(config: ProbeConfigOf<'memory'>): Probe {
  return {
    kind: 'memory',
    check(target: ProbeTarget): Promise<ProbeResult> {
      // Small synchronous /proc reads: cheap enough for a 1 s interval (one stat file per process on the host).
      if (target.pid === undefined || !isAlive(target.pid)) {
        return Promise.resolve({ status: 'unknown', message: 'the process is not running; nothing to measure' });
      }
      const rss = treeRssBytes(target.pid);
      if (rss === 0) return Promise.resolve({ status: 'unknown', message: `could not read the RSS of pid ${target.pid}` });
      return Promise.resolve(memoryResult(rss, config.warn, config.limit));
    },
  };
}
