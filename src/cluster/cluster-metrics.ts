// The cluster's Prometheus lines: who leads each singleton service here, failovers, time without a leader, lease age.
import { labelValue as label } from '../observe/exposition-text.js';

export interface ClusterFigures {
  member: string;
  leaseAgeMs: number | null;
  services: Array<{ service: string; leading: boolean; failovers: number; noLeaderSeconds: number }>;
}

export function renderClusterMetrics(f: ClusterFigures): string {
  const m = label(f.member);
  const lines: string[] = [
    '# HELP clawback_cluster_leader 1 when this member holds the lease of the service (runs its active instance).',
    '# TYPE clawback_cluster_leader gauge',
    ...f.services.map((s) => `clawback_cluster_leader{service="${label(s.service)}",member="${m}"} ${s.leading ? 1 : 0}`),
    '# HELP clawback_cluster_failovers_total Failovers and moves won by this member.',
    '# TYPE clawback_cluster_failovers_total counter',
    ...f.services.map((s) => `clawback_cluster_failovers_total{service="${label(s.service)}",member="${m}"} ${s.failovers}`),
    '# HELP clawback_cluster_no_leader_seconds_total Seconds the service had no leader before this member won it.',
    '# TYPE clawback_cluster_no_leader_seconds_total counter',
    ...f.services.map((s) => `clawback_cluster_no_leader_seconds_total{service="${label(s.service)}",member="${m}"} ${s.noLeaderSeconds}`),
    '# HELP clawback_cluster_lease_age_seconds Seconds since the last lease renewal etcd confirmed (-1: no lease).',
    '# TYPE clawback_cluster_lease_age_seconds gauge',
    `clawback_cluster_lease_age_seconds{member="${m}"} ${f.leaseAgeMs === null ? -1 : f.leaseAgeMs / 1000}`,
  ];
  return lines.join('\n') + '\n';
}
