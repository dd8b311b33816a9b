// Reads the autoscaling metric of a group of instances: CPU or RSS of each process tree, probe latency, or a command's number.
import { readProcStat, treeMembers } from '../platform/proc.js';
import type { CommandRunner } from '../platform/command-runner.js';
import type { Clock } from '../platform/clock.js';
import type { ProbeStatusView } from '../daemon/service-runtime.js';
import type { AutoscaleMetric } from './autoscale-schema.js';

/** A metric command's last non-empty line: one number, alone or after a label without digits ending in ":" or "=". */
const METRIC_LINE = /^(?:[^\d:=]*[:=]\s*)?(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)$/i;

/** Linux reports CPU time in clock ticks of 1/100 s (USER_HZ is 100 on every architecture Node runs on). */
const TICKS_PER_SECOND = 100;

export interface InstanceView {
  name: string;
  pid: number | null;
  probes: ProbeStatusView[];
}

export interface MetricSourceDeps {
  clock: Pick<Clock, 'monotonic'>;
  runner: CommandRunner;
  /** The tree of a pid (default: /proc through the children files, not a scan of all of /proc); tests may pass their own. */
  tree?: (pid: number) => Array<{ cpuTicks: number; rssBytes: number }>;
}

/** Per-instance value of one metric, averaged over the instances that could be measured; null when none could. */
export class MetricSource {
  /** CPU ticks of each instance's tree at the last sample, by name and pid. */
  private last = new Map<string, { pid: number; ticks: number; at: number }>();
  /** Why the last sample of the command had no value (failed, timed out, garbage), for the autoscaler to say; null otherwise. */
  private why: { problem: string; output: string } | null = null;

  constructor(
    private readonly metric: AutoscaleMetric,
    private readonly deps: MetricSourceDeps,
    private readonly command?: { argv: string[]; timeoutMs: number },
  ) {}

  async sample(instances: InstanceView[], signal?: AbortSignal): Promise<number | null> {
    switch (this.metric) {
      case 'cpu':
        return this.cpu(instances);
      case 'rss':
        return average(instances.map((i) => (i.pid ? sumTree(this.tree(i.pid), 'rssBytes') : null)));
      case 'latency':
        return average(instances.map((i) => latencyOf(i.probes)));
      case 'command':
        return this.fromCommand(instances.length, signal);
    }
  }

  /** Why the last sample had no value because its source failed or printed garbage (stable text, one per cause), or null. */
  problem(): { problem: string; output: string } | null {
    return this.why;
  }

  private tree(pid: number): Array<{ cpuTicks: number; rssBytes: number }> {
    return (this.deps.tree ?? procTree)(pid);
  }

  /** Percent of one core per instance since the previous sample (the first sample of a pid only sets the mark). */
  private cpu(instances: InstanceView[]): number | null {
    const now = this.deps.clock.monotonic();
    const values: Array<number | null> = [];
    const seen = new Set<string>();
    for (const i of instances) {
      seen.add(i.name);
      if (!i.pid) {
        values.push(null);
        continue;
      }
      const ticks = sumTree(this.tree(i.pid), 'cpuTicks');
      const prev = this.last.get(i.name);
      if (ticks !== null) this.last.set(i.name, { pid: i.pid, ticks, at: now });
      if (ticks === null || !prev || prev.pid !== i.pid || now <= prev.at) {
        values.push(null);
        continue;
      }
      values.push(Math.max(0, ((ticks - prev.ticks) / TICKS_PER_SECOND / ((now - prev.at) / 1000)) * 100));
    }
    for (const name of [...this.last.keys()]) if (!seen.has(name)) this.last.delete(name);
    return average(values);
  }

  /** The command prints the group's total (e.g. a queue length): divided by the instance count. */
  private async fromCommand(count: number, signal?: AbortSignal): Promise<number | null> {
    this.why = null;
    if (!this.command || count === 0) return null;
    const r = await this.deps.runner.run(this.command.argv, { timeoutMs: this.command.timeoutMs, ...(signal ? { signal } : {}) });
    const output = excerpt(r.code === 0 ? r.stdout : `${r.stderr}\n${r.stdout}`);
    const failed = (problem: string): null => ((this.why = { problem, output }), null);
    if (r.timedOut) return failed(`the metric command did not finish within ${this.command.timeoutMs} ms`);
    if (r.code !== 0) return failed(r.code === null ? `the metric command ended by ${r.signal ?? 'a signal'} (or did not start)` : `the metric command exited with code ${r.code}`);
    if (!/\d/.test(r.stdout)) return failed('the metric command printed no number');
    // The number is the whole last line (or follows a label): the first number anywhere read "curl: (7) Failed to
    // connect", printed with exit 0, as a load of 7 and scaled the service up.
    const last = r.stdout.split('\n').map((l) => l.trim()).filter((l) => l !== '').pop() ?? '';
    const m = METRIC_LINE.exec(last);
    if (!m) return failed(`the metric command's last line is not one number: expected a number alone on its last line (or after a label such as "queue: 12")`);
    const v = Number(m[1]);
    // A load (a queue length, requests) is never negative: -1 is an error sentinel, and taken as 0 it scaled the service down.
    if (!Number.isFinite(v) || v < 0) return failed(`the metric command printed ${m[1]}, expected a finite number >= 0`);
    return v / count;
  }
}

/** CPU ticks and RSS of a process and its descendants (gone ones are left out). */
function procTree(pid: number): Array<{ cpuTicks: number; rssBytes: number }> {
  return treeMembers(pid).flatMap((p) => {
    const st = readProcStat(p);
    return st ? [st] : [];
  });
}

function sumTree(tree: Array<{ cpuTicks: number; rssBytes: number }>, key: 'cpuTicks' | 'rssBytes'): number | null {
  return tree.length === 0 ? null : tree.reduce((a, p) => a + p[key], 0);
}

function latencyOf(probes: ProbeStatusView[]): number | null {
  const ms = probes.filter((p) => p.kind === 'http' && p.lastResult?.latencyMs !== undefined).map((p) => p.lastResult!.latencyMs!);
  return ms.length > 0 ? Math.max(...ms) : null;
}

/** The start of a command's output for the journal: one line's worth, trimmed. */
function excerpt(text: string): string {
  const t = text.trim().replace(/\s+/g, ' ');
  return t.length > 200 ? `${t.slice(0, 200)}...` : t;
}

function average(values: Array<number | null>): number | null {
  const known = values.filter((v): v is number => v !== null && Number.isFinite(v));
  return known.length > 0 ? known.reduce((a, v) => a + v, 0) / known.length : null;
}
