// A daemon started while etcd is down said cluster.etcd-unreachable (critical, notified) about every second: "once per
// cause" compared the whole description, and the etcd client's words in it change from call to call for one cause.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterNode, type PlacementFact } from '../../src/cluster/cluster-node.js';
import { clusterSchema } from '../../src/cluster/cluster-schema.js';
import { connectEtcdClients, type EtcdClients } from '../../src/cluster/etcd-connect.js';
import { LeaseRenewer } from '../../src/cluster/lease-renewer.js';
import type { ClawbackEvent } from '../../src/observe/events.js';
import { systemClock } from '../../src/platform/clock.js';
import { waitFor } from '../helpers/processes.js';
import { startEtcdCluster, type EtcdCluster } from './etcd-cluster.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('a member that starts while etcd is down (real etcd)', () => {
  let etcd: EtcdCluster;
  let clients: EtcdClients | undefined;
  beforeAll(async () => {
    etcd = await startEtcdCluster(1);
  }, 90_000);
  afterAll(async () => {
    clients?.client.close();
    for (const p of clients?.perEndpoint ?? []) p.client.close();
    await etcd?.stop();
  });

  it('says etcd is unreachable once, not at every try, and says it is back and leads once etcd returns', async () => {
    const cfg = clusterSchema.parse({ member: 'a', endpoints: etcd.endpoints, leaseTtl: '5s', prefix: `down-at-start-${process.pid}`, pollInterval: '100ms' });
    const clock = systemClock();
    clients = await connectEtcdClients(cfg);
    await etcd.kill(0);
    const events: ClawbackEvent[] = [];
    const facts: PlacementFact[] = [];
    const node = new ClusterNode(clients.client, cfg, clock, (e) => events.push(e), () => ({}), new LeaseRenewer(clients.perEndpoint, clock, 1000));
    node.addSeat({ name: 'gw', stopGraceMs: 1000, mayCampaign: () => true, instanceGone: () => true, report: (f) => facts.push(f), fence: async () => undefined });
    const said = (type: string): string[] => events.filter((e) => e.type === type).map((e) => e.message);
    try {
      node.start();
      await waitFor(() => said('cluster.etcd-unreachable').length > 0, { timeoutMs: 20_000, intervalMs: 100, message: () => 'etcd-unreachable to be said' });
      // Several grant tries (one about every second) fail meanwhile, on a refused connection and on an open breaker.
      await sleep(8000);
      const down = said('cluster.etcd-unreachable');
      expect(down, down.join('\n')).toHaveLength(1);
      expect(down[0]).toMatch(/cluster\.endpoints: etcd at .* could not be used/);
      expect(node.etcdProblem()).toMatch(/cluster\.endpoints/);

      await etcd.startHealthy(0);
      await waitFor(() => facts.some((f) => f.active), { timeoutMs: 30_000, intervalMs: 100, message: () => `a to lead once etcd is back: ${JSON.stringify(events.map((e) => e.type))}` });
      expect(said('cluster.etcd-reachable')).toHaveLength(1);
      expect(said('cluster.etcd-unreachable')).toHaveLength(1);
      expect(node.etcdProblem()).toBeNull();
    } finally {
      await node.stop();
    }
  }, 120_000);
});
