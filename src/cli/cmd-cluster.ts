// `clawback cluster status` and `clawback cluster move NAME --to MEMBER`: the cluster as this member's daemon sees it.
import type { Command } from 'commander';
import { connect } from './client.js';
import { exitDuration, humanDuration, table } from './format.js';
import type { ClusterStatus } from '../cluster/cluster-node.js';
import { exitWithError } from './json-error.js';
import { printChangeAnswer, type ChangeAnswer } from './change-answer.js';

/**
 * A daemon without a `cluster:` block has no cluster routes: its 404 (`{"error":"not found"}`, no `message`) is that, and
 * only that. A hung or unreachable daemon was reported as "no cluster: block" (exit 1), and a move as "HTTP 404" (exit 4).
 */
const NO_CLUSTER = 'this daemon has no `cluster:` block in its config';

/** The status as `clawback cluster status` prints it. */
export function formatStatus(s: ClusterStatus): string {
  // etcd did not answer this status: the members and failovers are unknown (not none), the leader is as last seen.
  const unknown = s.recordsRead === false;
  const lines: string[] = [];
  lines.push(`member ${s.member}; etcd ${s.etcdReachable ? 'reachable' : 'NOT reachable'} (${s.endpoints.join(', ')}); lease TTL ${humanDuration(s.leaseTtlMs)}, last renewal ${s.leaseAgeMs === null ? 'none (no lease)' : `${humanDuration(s.leaseAgeMs)} ago`}`);
  if (s.etcdError) lines.push(`etcd problem: ${s.etcdError}`);
  if (s.renewEndpoint) lines.push(`renewals through ${s.renewEndpoint}`);
  lines.push(`members: ${unknown ? 'unknown (etcd did not answer)' : s.members.map((m) => m.member).join(', ') || '(none seen)'}`);
  // A daemon of an earlier version does not send the field.
  for (const u of s.unreadable ?? []) lines.push(`unreadable record ${u.key} (left out): ${u.problem}`);
  const rows: string[][] = [['SERVICE', 'LEADER', 'HERE', 'TOKEN', 'LAST FAILOVER']];
  for (const svc of s.services) {
    const f = svc.lastFailover;
    const last = unknown ? 'unknown (etcd did not answer)' : f ? `${f.kind} ${f.from ?? '?'} -> ${f.to} at ${new Date(f.at).toISOString()} (no leader seen for ${humanDuration(f.noLeaderMs)})` : '-';
    const seen = svc.leaderSeenAgoMs;
    // Its own lease says this member leads (self); any other answer is only what etcd said last.
    const leader = !unknown || svc.self ? (svc.leader ?? '(none)') : seen == null ? 'unknown' : `${svc.leader ?? '(none)'} as of ${exitDuration(seen)} ago`;
    rows.push([svc.service, leader, svc.self ? 'active' : svc.fenced ? 'fenced (no renewal: stopped)' : 'standby', svc.fencingToken !== null ? String(svc.fencingToken) : '-', last]);
  }
  lines.push(table(rows));
  // A move withdrawn after the instance had stopped for it: the answer to the person only said "already runs on".
  for (const svc of s.services) {
    const w = svc.withdrawnMove;
    if (w) lines.push(`${svc.service}: the move to ${w.to} was withdrawn during the handover at ${new Date(w.at).toISOString()}; it stayed on ${s.member}, whose instance had stopped for it: ${w.running ? 'running again' : 'NOT running yet'}`);
  }
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
      const s = await client.get<ClusterStatus | { error?: string }>('/api/cluster').catch((err: Error) => {
        // Only the daemon's own 404 says "no cluster"; not responding, a refused token, a crash keep their own codes.
        if (/^GET \/api\/cluster: HTTP 404 /.test(err.message)) return { error: err.message };
        throw err;
      });
      if (!('member' in s)) {
        exitWithError('error', NO_CLUSTER, 1);
      }
      process.stdout.write(opts.json ? `${JSON.stringify(s)}\n` : `${formatStatus(s)}\n`);
    });
  cluster
    .command('move <name>')
    .description('hand a singleton service to another member: the active member stops it cleanly, then the target starts it')
    .requiredOption('--to <member>', 'the member that should run it')
    .option('--json', 'print the answer as one JSON object: {"ok":true,"message":"…"}')
    .action(async (name: string, opts: { to: string }) => {
      const client = await connect(program.opts());
      const r = await client.post<ChangeAnswer>(`/api/cluster/move?${new URLSearchParams({ service: name, to: opts.to })}`);
      if (r.status === 404 && r.body.message === undefined) exitWithError('error', NO_CLUSTER, 1);
      printChangeAnswer(r);
    });
}
