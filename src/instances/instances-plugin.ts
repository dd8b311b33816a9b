// Scaled services seen as groups: the autoscaler, their Prometheus metrics (for dashboards, KEDA and the HPA) and status.
import type { DaemonPlugin, Daemon } from '../daemon/daemon.js';
import { isScaled } from './scaled.js';
import { labelValue as esc } from '../observe/exposition-text.js';
import { namesFor } from './instance-name.js';
import { Autoscaler, type AutoscaleView } from '../autoscale/autoscaler.js';

export interface ScaledGroupStatus {
  service: string;
  instances: number;
  healthy: number;
  names: string[];
  autoscale: AutoscaleView | null;
}

export function scaledGroups(daemon: Daemon, autoscale: AutoscaleView[]): ScaledGroupStatus[] {
  return (daemon.source?.declared.services ?? []).filter(isScaled).map((s) => {
    const names = namesFor(s.name, daemon.runtimes.keys());
    const healthy = names.filter((n) => daemon.runtimes.get(n)?.status().health === 'healthy').length;
    return { service: s.name, instances: names.length, healthy, names, autoscale: autoscale.find((a) => a.service === s.name) ?? null };
  });
}

/** Prometheus text for the scaled services (appended to the daemon's other metrics). */
export function renderInstanceMetrics(daemon: Daemon, groups: ScaledGroupStatus[]): string {
  if (groups.length === 0) return '';
  const lines: string[] = [];
  const family = (name: string, help: string, rows: Array<[string, number]>): void => {
    if (rows.length === 0) return;
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
    for (const [labels, v] of rows) lines.push(`${name}{${labels}} ${Number.isFinite(v) ? v : 'NaN'}`);
  };
  const svc = (g: { service: string }): string => `service="${esc(g.service)}"`;
  family('clawback_service_instances', 'Instances of a scaled service that Clawback runs now.', groups.map((g) => [svc(g), g.instances]));
  family('clawback_service_instances_healthy', 'Instances of a scaled service whose probes pass.', groups.map((g) => [svc(g), g.healthy]));
  family(
    'clawback_instance_up',
    'One instance of a scaled service: 1 when running and not unhealthy.',
    groups.flatMap((g) =>
      g.names.map((n): [string, number] => {
        const st = daemon.runtimes.get(n)!.status();
        return [`${svc(g)},instance="${esc(n.slice(g.service.length + 1))}"`, st.state === 'running' && st.health !== 'unhealthy' ? 1 : 0];
      }),
    ),
  );
  const auto = groups.filter((g) => g.autoscale);
  const al = (g: ScaledGroupStatus): string => `${svc(g)},metric="${g.autoscale!.metric}"`;
  family('clawback_autoscale_value', 'The autoscaling metric per instance (cpu: percent of a core, rss: bytes, latency: ms, command: its number / instances).', auto.filter((g) => g.autoscale!.value !== null).map((g) => [al(g), g.autoscale!.value!]));
  family('clawback_autoscale_load', 'The autoscaling metric summed over the instances: what an outside autoscaler (KEDA, the HPA) divides by its per-pod threshold.', auto.filter((g) => g.autoscale!.value !== null).map((g) => [al(g), g.autoscale!.value! * g.instances]));
  family('clawback_autoscale_target', 'The per-instance target of the autoscaling metric.', auto.map((g) => [al(g), g.autoscale!.target]));
  family('clawback_autoscale_min_instances', 'autoscale.min', auto.map((g) => [svc(g), g.autoscale!.min]));
  family('clawback_autoscale_max_instances', 'autoscale.max', auto.map((g) => [svc(g), g.autoscale!.max]));
  return lines.join('\n') + '\n';
}

export function instancesPlugin(): DaemonPlugin {
  return {
    name: 'instances',
    init(_ctx, daemon) {
      const autoscaler = new Autoscaler(daemon);
      autoscaler.start();
      return {
        metrics: async () => renderInstanceMetrics(daemon, scaledGroups(daemon, autoscaler.views())),
        status: () => ({ scaled: scaledGroups(daemon, autoscaler.views()) }),
        stop: async () => autoscaler.stop(),
      };
    },
  };
}
