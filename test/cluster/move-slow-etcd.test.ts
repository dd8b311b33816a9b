// `clawback cluster move` while etcd answers slowly (a cluster electing, or fsyncing on a loaded disk): a person's request
// waits up to one lease TTL per call; it was a 503 "etcd could not be reached" at the renewals' 1 s bound (a CI run).
import { describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/processes.js';
import { activeMember, api, ask, etcdForMembers, startMember, type Member } from './cluster-members.js';

const TTL_MS = 5000;
const env = etcdForMembers(3);

async function twoMembers(): Promise<[Member, Member]> {
  const opts = { endpoints: env.etcd.endpoints, prefix: `ms${process.pid}`, leaseTtl: `${TTL_MS / 1000}s` };
  const [a, b] = await Promise.all([startMember('a', opts), startMember('b', opts)]);
  env.members = [a, b];
  return [a, b];
}

describe('cluster move with a slow etcd (real etcd, real daemons)', () => {
  it('etcd paused for 2 s under a move: the move is accepted once etcd answers, and carried out', async () => {
    const [a, b] = await twoMembers();
    const first = await activeMember([a, b]);
    const other = first === a ? b : a;
    await waitFor(async () => ((await api(first, 'GET', '/api/cluster')).body.members as Array<{ member: string }>).some((m) => m.member === other.name), {
      timeoutMs: 20_000,
      message: () => `${other.name} to be a live member`,
    });
    const etcd = env.etcd.members.map((m) => m.child!);
    for (const c of etcd) c.signal('SIGSTOP');
    let moved: Promise<{ status: number; body: any }>;
    try {
      moved = api(first, 'POST', `/api/cluster/move?service=gw&to=${other.name}`);
      await new Promise((r) => setTimeout(r, 2000));
    } finally {
      for (const c of etcd) c.signal('SIGCONT');
    }
    const r = await moved;
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    await waitFor(() => ask(other.servicePort), { timeoutMs: 30_000, intervalMs: 50, message: () => `${other.name} to serve after the move` });
  }, 120_000);
});
