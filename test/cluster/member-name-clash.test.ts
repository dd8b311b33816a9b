// Two daemons started with the same cluster.member (a copied config): the second overwrote the first's member key and
// both campaigned under one name, silently; when the second stopped, the name vanished while the first still ran.
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterNode, type PlacementFact } from '../../src/cluster/cluster-node.js';
import { clusterSchema } from '../../src/cluster/cluster-schema.js';
import { connectEtcdClients } from '../../src/cluster/etcd-connect.js';
import { LeaseRenewer } from '../../src/cluster/lease-renewer.js';
import { systemClock } from '../../src/platform/clock.js';
import type { ClawbackEvent } from '../../src/observe/events.js';
import { waitFor } from '../helpers/processes.js';
import { startEtcdCluster, type EtcdCluster } from './etcd-cluster.js';

interface TestDaemon {
  node: ClusterNode;
  facts: PlacementFact[];
  events: ClawbackEvent[];
}

async function daemon(endpoint: string, prefix: string, stateDir: string): Promise<TestDaemon> {
  const cfg = clusterSchema.parse({ member: 'box', endpoints: [endpoint], leaseTtl: '5s', prefix, pollInterval: '100ms' });
  const clock = systemClock();
  const { client, perEndpoint } = await connectEtcdClients(cfg);
  const events: ClawbackEvent[] = [];
  const node = new ClusterNode(client, cfg, clock, (e) => events.push(e), () => ({ api: null, host: 'h1', stateDir }), new LeaseRenewer(perEndpoint, clock, 1000));
  const facts: PlacementFact[] = [];
  node.addSeat({ name: 'gw', stopGraceMs: 1000, mayCampaign: () => true, instanceGone: () => true, report: (f) => facts.push(f), fence: async () => undefined });
  return { node, facts, events };
}

describe('two daemons with the same member name (real etcd)', () => {
  let etcd: EtcdCluster;
  let admin: Etcd3;
  const prefix = `clash-${process.pid}`;
  beforeAll(async () => {
    etcd = await startEtcdCluster(1);
    admin = new Etcd3({ hosts: etcd.endpoints });
  }, 90_000);
  afterAll(async () => {
    admin?.close();
    await etcd?.stop();
  });

  it('the second is told (naming the other daemon), keeps off the first one\'s key, stands by, and takes over once the first is gone', async () => {
    const first = await daemon(etcd.endpoints[0]!, prefix, '/srv/one/.clawback');
    const second = await daemon(etcd.endpoints[0]!, prefix, '/srv/two/.clawback');
    const memberKey = `/${prefix}/members/box`;
    try {
      first.node.start();
      await waitFor(() => first.facts.some((f) => f.active), { timeoutMs: 15_000, intervalMs: 50, message: () => 'the first daemon to win' });
      const firstLease = (await first.node.status()).leaseId;
      second.node.start();
      await waitFor(() => second.node.etcdProblem() !== null, { timeoutMs: 15_000, intervalMs: 50, message: () => `the clash to be shown: ${JSON.stringify(second.events)}` });
      expect(second.node.etcdProblem()).toBe('cluster.member: "box" is already in use: another live daemon uses this name (host h1, state dir /srv/one/.clawback); expected a name unique in the cluster (give each daemon its own cluster.member)');
      expect(second.events.filter((e) => e.type === 'cluster.standby' && e.severity === 'critical')).toHaveLength(1);
      // Several renewals later the first daemon's key is still its own, and the second never led.
      await new Promise((r) => setTimeout(r, 2500));
      const kv = (await admin.get(memberKey).exec()).kvs[0];
      expect(kv?.lease).toBe(firstLease);
      expect(JSON.parse(kv!.value.toString()).stateDir).toBe('/srv/one/.clawback');
      expect(second.facts.some((f) => f.active)).toBe(false);
      expect(second.events.filter((e) => e.type === 'cluster.standby' && e.severity === 'critical')).toHaveLength(1);

      // The first daemon stops (its lease revoked): the name is free, the second registers and takes the service.
      const stoppedAt = Date.now();
      await first.node.stop();
      await waitFor(() => second.facts.some((f) => f.active), { timeoutMs: 15_000, intervalMs: 50, message: () => `the second daemon to take over: ${JSON.stringify(second.events)}` });
      console.log(`name clash: the second daemon took over ${Date.now() - stoppedAt} ms after the first stopped`);
      expect(second.node.etcdProblem()).toBeNull();
      const now = (await admin.get(memberKey).exec()).kvs[0];
      expect(JSON.parse(now!.value.toString()).stateDir).toBe('/srv/two/.clawback');
    } finally {
      await first.node.stop().catch(() => undefined);
      await second.node.stop().catch(() => undefined);
    }
  }, 90_000);
});
