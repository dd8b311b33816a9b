// `clawback status` on a standby said only "gw stopped ... pending", and with etcd down nothing more: the etcd problem
// was in the JSON (cluster.etcdError) and in `cluster status`, not where a person looks first. Both are now said.
import { describe, expect, it } from 'vitest';
import { clusterSchema } from '../../src/cluster/cluster-schema.js';
import { connectEtcd } from '../../src/cluster/etcd-connect.js';
import { MAIN, api, startMember, etcdForMembers } from './cluster-members.js';
import { spawnMarked, waitFor } from '../helpers/processes.js';

const env = etcdForMembers(1);

async function statusText(stateDir: string): Promise<string> {
  const cli = spawnMarked(process.execPath, [MAIN, '--state-dir', stateDir, 'status']);
  await cli.waitForExit(30_000);
  return cli.stdout();
}

describe('`clawback status` of a standby member (real etcd, real daemon, real CLI)', () => {
  it('says who holds the lease, and the etcd problem while etcd is down', async () => {
    const prefix = `sse${process.pid}`;
    // Another member, a, leads gw (its key written by hand: it never lapses).
    const client = await connectEtcd(clusterSchema.parse({ member: 'x', endpoints: env.etcd.endpoints, prefix }));
    try {
      await client.put(`/${prefix}/leader/gw`).value('a').exec();
    } finally {
      client.close();
    }
    const b = await startMember('b', { endpoints: env.etcd.endpoints, prefix, leaseTtl: '5s' });
    env.members = [b];
    type Placement = { active: boolean; holder: string | null } | undefined;
    const gw = async (): Promise<{ placement: Placement; etcdError: string | null | undefined }> => {
      const body = (await api(b, 'GET', '/api/status')).body as { services: Array<{ name: string; placement?: Placement }>; cluster?: { etcdError?: string | null } };
      return { placement: body.services.find((s) => s.name === 'gw')?.placement, etcdError: body.cluster?.etcdError };
    };
    await waitFor(async () => (await gw()).placement?.holder === 'a', { timeoutMs: 30_000, intervalMs: 200, message: () => 'b to see a hold gw' });
    const before = await statusText(b.stateDir);
    expect(before).toContain('gw: standby: a holds the lease (placement: singleton)');
    expect(before).not.toContain('CLUSTER ETCD PROBLEM');

    await env.etcd.kill(0);
    await waitFor(async () => !!(await gw()).etcdError, { timeoutMs: 30_000, intervalMs: 200, message: () => 'b to see etcd unreachable' });
    const during = await statusText(b.stateDir);
    expect(during).toMatch(/CLUSTER ETCD PROBLEM: cluster\.endpoints: etcd at http:\/\/127\.0\.0\.1:\d+ could not be used/);
  }, 120_000);

  it('on the member that fenced itself (etcd gone): says fenced, not "standby: <itself> holds the lease"', async () => {
    const a = await startMember('a', { endpoints: env.etcd.endpoints, prefix: `ssf${process.pid}`, leaseTtl: '5s' });
    env.members = [a];
    type Gw = { name: string; state: string; placement?: { active: boolean; holder: string | null } };
    const gw = async (): Promise<Gw | undefined> => ((await api(a, 'GET', '/api/status')).body as { services: Gw[] }).services.find((s) => s.name === 'gw');
    await waitFor(async () => (await gw())?.placement?.active === true && (await gw())?.state === 'running', { timeoutMs: 30_000, intervalMs: 200, message: () => 'a to run gw' });
    await env.etcd.kill(0);
    await waitFor(async () => { const g = await gw(); return g?.placement?.active === false && g.state !== 'running'; }, { timeoutMs: 30_000, intervalMs: 200, message: () => 'a to fence itself' });
    const text = await statusText(a.stateDir);
    expect(text).toContain('gw: fenced: this member (a) holds the lease but no renewal went through in time, so its instance was stopped');
    expect(text).not.toContain('standby: a holds the lease');
  }, 120_000);
});
