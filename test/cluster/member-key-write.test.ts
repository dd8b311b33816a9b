// A member whose member key etcd refused to write is not a live member for the others (moves to it are refused or
// withdrawn, status does not list it): the failure is shown, and the write is retried until etcd takes it.
import { Etcd3, Range } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterNode } from '../../src/cluster/cluster-node.js';
import { clusterSchema } from '../../src/cluster/cluster-schema.js';
import { connectEtcdClients, type EtcdClients } from '../../src/cluster/etcd-connect.js';
import { LeaseRenewer } from '../../src/cluster/lease-renewer.js';
import { systemClock } from '../../src/platform/clock.js';
import type { ClawbackEvent } from '../../src/observe/events.js';
import { waitFor } from '../helpers/processes.js';
import { startEtcdCluster, type EtcdCluster } from './etcd-cluster.js';

describe('the member key', () => {
  let etcd: EtcdCluster;
  let admin: Etcd3;
  const prefix = `memberkey-${process.pid}`;
  beforeAll(async () => {
    etcd = await startEtcdCluster(1);
    const root = new Etcd3({ hosts: etcd.endpoints });
    await root.role('root').create();
    await root.user('root').create('s3cret-root');
    await root.user('root').addRole('root');
    // The member's etcd user may write the leader keys, but (an RBAC slip) not yet the member keys.
    await root.role('cb').create();
    await root.role('cb').grant({ permission: 'Readwrite', range: Range.prefix(`/${prefix}/leader/`) });
    await root.user('cb').create('cb-pw');
    await root.user('cb').addRole('cb');
    await root.auth.authEnable();
    root.close();
    admin = new Etcd3({ hosts: etcd.endpoints, auth: { username: 'root', password: 's3cret-root' } });
  }, 90_000);
  afterAll(async () => {
    admin?.close();
    await etcd?.stop();
  });

  it('a refused write is shown and retried: the member is registered once etcd allows it (it used to stay unregistered for the lease\'s life)', async () => {
    const cfg = clusterSchema.parse({ member: 'm1', endpoints: etcd.endpoints, leaseTtl: '5s', prefix, pollInterval: '200ms', auth: { username: 'cb', password: 'cb-pw' } });
    const clock = systemClock();
    const clients: EtcdClients = await connectEtcdClients(cfg);
    const events: ClawbackEvent[] = [];
    const node = new ClusterNode(clients.client, cfg, clock, (e) => events.push(e), () => ({ api: 'http://127.0.0.1:1' }), new LeaseRenewer(clients.perEndpoint, clock, 1000));
    const memberKey = `/${prefix}/members/m1`;
    try {
      node.start();
      // The lease is granted (no key permission needed), the member key's put is refused.
      await waitFor(() => node.etcdProblem() !== null, { timeoutMs: 15_000, intervalMs: 100, message: () => `the refused member key to be shown: ${JSON.stringify(events)}` });
      expect(node.etcdProblem()).toMatch(/permission denied/i);
      expect(events.some((e) => e.type === 'cluster.etcd-unreachable' && /members\/m1/.test(e.message))).toBe(true);
      expect(await admin.get(memberKey).string()).toBeNull();

      // The operator fixes the role: the member registers itself without a restart.
      await admin.role('cb').grant({ permission: 'Readwrite', range: Range.prefix(`/${prefix}/members/`) });
      const stored = await waitFor(async () => admin.get(memberKey).string(), { timeoutMs: 15_000, intervalMs: 200, message: () => 'the member key to be written' });
      expect(JSON.parse(stored!)).toMatchObject({ member: 'm1', api: 'http://127.0.0.1:1' });
      await waitFor(() => node.etcdProblem() === null, { timeoutMs: 10_000, intervalMs: 100, message: () => `the problem to clear: ${node.etcdProblem()}` });
    } finally {
      await node.stop();
      clients.client.close();
      for (const p of clients.perEndpoint) p.client.close();
    }
  }, 60_000);
});
