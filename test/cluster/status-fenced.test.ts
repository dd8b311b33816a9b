// etcd lost quorum (or this member was cut off): the active member fenced itself and stopped its instance, but
// `cluster status` still said "active" with its fencing token, and /metrics clawback_cluster_leader 1, while nothing ran.
import { describe, expect, it } from 'vitest';
import { ClusterNode, type PlacementFact } from '../../src/cluster/cluster-node.js';
import { clusterSchema } from '../../src/cluster/cluster-schema.js';
import { connectEtcdClients } from '../../src/cluster/etcd-connect.js';
import { LeaseRenewer } from '../../src/cluster/lease-renewer.js';
import { systemClock } from '../../src/platform/clock.js';
import { waitFor } from '../helpers/processes.js';
import { oneEtcdPerFile } from './etcd-cluster.js';

describe('cluster status while etcd cannot renew the lease (real etcd)', () => {
  const etcd = oneEtcdPerFile();

  it('says fenced, not active, once the stop deadline passed; active again with the same token after etcd is back', async () => {
    const cfg = clusterSchema.parse({ member: 'a', endpoints: etcd.endpoints, leaseTtl: '5s', prefix: `fenced-${process.pid}`, pollInterval: '100ms' });
    const clock = systemClock();
    const { client, perEndpoint } = await connectEtcdClients(cfg);
    const node = new ClusterNode(client, cfg, clock, () => undefined, () => ({}), new LeaseRenewer(perEndpoint, clock, 1000));
    const facts: PlacementFact[] = [];
    node.addSeat({ name: 'gw', stopGraceMs: 1000, mayCampaign: () => true, instanceGone: () => true, report: (f) => facts.push(f), fence: async () => undefined });
    try {
      node.start();
      await waitFor(() => facts.some((f) => f.active), { timeoutMs: 15_000, intervalMs: 50, message: () => 'the member to win' });
      const won = facts.find((f) => f.active) as Extract<PlacementFact, { active: true }>;
      const before = (await node.status()).services[0]!;
      expect(before).toMatchObject({ self: true, fenced: false, fencingToken: won.token });

      await etcd.kill(0);
      // The reducer stops the instance at the last stopBy it was told; status must agree from then on.
      await waitFor(() => {
        const last = [...facts].reverse().find((f) => f.active) as Extract<PlacementFact, { active: true }>;
        return Date.now() > last.stopBy + 200;
      }, { timeoutMs: 20_000, intervalMs: 50, message: () => 'the stop deadline to pass' });
      const during = (await node.status()).services[0]!;
      console.log(`status while etcd is down: ${JSON.stringify(during)}`);
      expect(during).toMatchObject({ service: 'gw', leader: 'a', self: false, fenced: true, fencingToken: null });
      expect(node.localFigures()[0]!.leading).toBe(false);

      await etcd.start(0);
      await waitFor(async () => (await node.status()).services[0]!.self, { timeoutMs: 30_000, intervalMs: 200, message: () => 'active again once etcd answers' });
      expect((await node.status()).services[0]).toMatchObject({ self: true, fenced: false, fencingToken: won.token });
      expect(node.localFigures()[0]!.leading).toBe(true);
    } finally {
      await node.stop();
    }
  }, 90_000);
});
