// `clawback cluster status` and `clawback cluster move NAME --to MEMBER`: the cluster as this member's daemon sees it.
import type { Command } from 'commander';
import { connect } from './client.js';
import { terminalSafe } from './terminal-safe.js';
import { humanDuration, table } from './format.js';
import type { ClusterStatus } from '../cluster/cluster-node.js';
import { exitWithError } from './json-error.js';

function formatStatus(s: ClusterStatus): string {
  const lines: string[] = [];
  lines.push(`member ${s.member}; etcd ${s.etcdReachable ? 'reachable' : 'NOT reachable'} (${s.endpoints.join(', ')}); lease TTL ${humanDuration(s.leaseTtlMs)}, last renewal ${s.leaseAgeMs === null ? 'none (no lease)' : `${humanDuration(s.leaseAgeMs)} ago`}`);
  if (s.etcdError) lines.push(`etcd problem: ${s.etcdError}`);
  if (s.renewEndpoint) lines.push(`renewals through ${s.renewEndpoint}`);
  lines.push(`members: ${s.members.map((m) => m.member).join(', ') || '(none seen)'}`);
  const rows: string[][] = [['SERVICE', 'LEADER', 'HERE', 'TOKEN', 'LAST FAILOVER']];
  for (const svc of s.services) {
    const f = svc.lastFailover;
    const last = f ? `${f.kind} ${f.from ?? '?'} -> ${f.to} at ${new Date(f.at).toISOString()} (no leader seen for ${humanDuration(f.noLeaderMs)})` : '-';
    rows.push([svc.service, svc.leader ?? '(none)', svc.self ? 'active' : 'standby', svc.fencingToken !== null ? String(svc.fencingToken) : '-', last]);
  }
  lines.push(table(rows));
  return lines.join('\n');
}

export function registerCluster(program: Command): void {
  const cluster = program.command('cluster').description('clusters: one active instance of each singleton service across members (etcd)');
  cluster
    .command('status')
    .description('members, the leader of each singleton service, lease age, the last failover')
    .option('--json', 'print the status as JSON')
    .action(async (opts: { json?: boolean }) => {
      const client = await connect(program.opts());
      const s = await client.get<ClusterStatus | { error?: string }>('/api/cluster').catch((err: Error) => ({ error: err.message }));
      if (!('member' in s)) {
        exitWithError('error', 'this daemon has no `cluster:` block in its config', 1);
      }
      process.stdout.write(opts.json ? `${JSON.stringify(s, null, 2)}\n` : `${formatStatus(s)}\n`);
    });
  cluster
    .command('move <name>')
    .description('hand a singleton service to another member: the active member stops it cleanly, then the target starts it')
    .requiredOption('--to <member>', 'the member that should run it')
    .action(async (name: string, opts: { to: string }) => {
      const client = await connect(program.opts());
      const r = await client.post<{ ok: boolean; message?: string }>(`/api/cluster/move?${new URLSearchParams({ service: name, to: opts.to })}`);
      if (r.status >= 400) {
        process.stderr.write(`clawback: ${terminalSafe(r.body.message ?? `HTTP ${r.status}`)}\n`);
        process.exit(r.status === 404 ? 4 : 1);
      }
      process.stdout.write(`${terminalSafe(String(r.body.message))}\n`);
    });
}
