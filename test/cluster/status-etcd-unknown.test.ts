// etcd unreachable: `cluster status` on a standby said "members: (none seen)", LAST FAILOVER "-" (none) right after a
// failover, and named the last leader it had seen as the leader, as facts. Unknown must read as unknown.
import { describe, expect, it } from 'vitest';
import { ClusterNode, type PlacementFact } from '../../src/cluster/cluster-node.js';
import { clusterSchema } from '../../src/cluster/cluster-schema.js';
import { clusterKeys } from '../../src/cluster/cluster-keys.js';
import { connectEtcdClients } from '../../src/cluster/etcd-connect.js';
import { LeaseRenewer } from '../../src/cluster/lease-renewer.js';
import { systemClock } from '../../src/platform/clock.js';
import { formatStatus } from '../../src/cli/cmd-cluster.js';
import { waitFor } from '../helpers/processes.js';
import { oneEtcdPerFile } from './etcd-cluster.js';

describe('cluster status with etcd unreachable (real etcd)', () => {
  const etcd = oneEtcdPerFile();

  it('says the members and the last failover are unknown and how old the leader it names is', async () => {
    const prefix = `unknown-${process.pid}`;
    const cfg = clusterSchema.parse({ member: 'b', endpoints: etcd.endpoints, leaseTtl: '5s', prefix, pollInterval: '100ms' });
    const clock = systemClock();
    const { client, perEndpoint } = await connectEtcdClients(cfg);
    const keys = clusterKeys(prefix);
    // Another member, a, leads, and its failover from c is on record.
    await client.put(keys.leader('gw')).value('a').exec();
    await client.put(keys.failover('gw')).value(JSON.stringify({ service: 'gw', from: 'c', to: 'a', kind: 'failover', at: Date.now(), noLeaderMs: 4000, fencingToken: 7 })).exec();
    const node = new ClusterNode(client, cfg, clock, () => undefined, () => ({}), new LeaseRenewer(perEndpoint, clock, 1000));
    const facts: PlacementFact[] = [];
    node.addSeat({ name: 'gw', stopGraceMs: 1000, mayCampaign: () => true, instanceGone: () => true, report: (f) => facts.push(f), fence: async () => undefined });
    try {
      node.start();
      await waitFor(async () => (await node.status()).services[0]!.leader === 'a' && (await node.status()).members.length === 1, { timeoutMs: 15_000, intervalMs: 100, message: () => 'b to see a lead' });
      const before = await node.status();
      expect(before.recordsRead).toBe(true);
      expect(before.services[0]!.lastFailover).toMatchObject({ from: 'c', to: 'a' });
      expect(formatStatus(before)).toMatch(/members: b\n/);
      expect(formatStatus(before)).toMatch(/gw +a +standby +- +failover c -> a/);

      await etcd.kill(0);
      await waitFor(async () => !(await node.status()).etcdReachable, { timeoutMs: 20_000, intervalMs: 200, message: () => 'etcd to be seen unreachable' });
      const during = await node.status();
      const text = formatStatus(during);
      console.log(`status while etcd is down:\n${text}\n${JSON.stringify(during.services[0])}`);
      expect(during.recordsRead).toBe(false);
      expect(during.services[0]!.leaderSeenAgoMs).toBeGreaterThan(0);
      expect(text).toMatch(/members: unknown \(etcd did not answer\)/);
      expect(text).not.toMatch(/\(none seen\)/);
      expect(text).toMatch(/gw +a as of \d+ (ms|s) ago +standby +- +unknown \(etcd did not answer\)/);
    } finally {
      await node.stop();
    }
  }, 90_000);
});
