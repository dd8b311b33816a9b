// etcd paused longer than the lease: a standby said nothing for the whole outage (only the leader's cluster.fenced was
// an alert), then a critical cluster.etcd-unreachable once etcd was back. It must say so during the outage, once.
import { describe, expect, it } from 'vitest';
import { ClusterNode } from '../../src/cluster/cluster-node.js';
import { clusterSchema } from '../../src/cluster/cluster-schema.js';
import { clusterKeys } from '../../src/cluster/cluster-keys.js';
import { connectEtcdClients } from '../../src/cluster/etcd-connect.js';
import { LeaseRenewer } from '../../src/cluster/lease-renewer.js';
import { systemClock } from '../../src/platform/clock.js';
import type { ClawbackEvent } from '../../src/observe/events.js';
import { waitFor } from '../helpers/processes.js';
import { oneEtcdPerFile } from './etcd-cluster.js';

describe('a standby while etcd is paused past its lease (real etcd)', () => {
  const etcd = oneEtcdPerFile();

  it('raises cluster.etcd-unreachable while etcd is still silent, once, and etcd-reachable when it answers', async () => {
    const prefix = `silent-${process.pid}`;
    const cfg = clusterSchema.parse({ member: 'b', endpoints: etcd.endpoints, leaseTtl: '5s', prefix, pollInterval: '100ms' });
    const clock = systemClock();
    const { client, perEndpoint } = await connectEtcdClients(cfg);
    // Another member, a, leads: b stands by.
    await client.put(clusterKeys(prefix).leader('gw')).value('a').exec();
    const events: ClawbackEvent[] = [];
    const node = new ClusterNode(client, cfg, clock, (e) => events.push(e), () => ({}), new LeaseRenewer(perEndpoint, clock, 1000));
    node.addSeat({ name: 'gw', stopGraceMs: 1000, mayCampaign: () => true, instanceGone: () => true, report: () => undefined, fence: async () => undefined });
    const pid = etcd.members[0]!.child!.pid;
    let paused = false;
    try {
      node.start();
      await waitFor(async () => (await node.status()).services[0]!.leader === 'a' && node.leaseAgeMs() !== null, { timeoutMs: 20_000, intervalMs: 100, message: () => 'b to hold a lease and see a lead' });
      process.kill(pid, 'SIGSTOP');
      paused = true;
      const unreachable = (): ClawbackEvent[] => events.filter((e) => e.type === 'cluster.etcd-unreachable');
      // TTL 5 s: said within about TTL + a renewal period + the renewal's bound; 30 s is generous on a loaded host.
      await waitFor(() => unreachable().length > 0, { timeoutMs: 30_000, intervalMs: 100, message: () => `a cluster.etcd-unreachable while etcd is paused; events: ${events.map((e) => e.type).join(', ')}` });
      const said = unreachable()[0]!;
      expect(said.severity).toBe('critical');
      expect(said.message).toMatch(/cluster member b: cluster\.endpoints: etcd at .* could not be used/);
      expect(said.message).toMatch(/no lease renewal confirmed for \d+ s/);
      // Still down a while longer: said once per cause, not at every renewal.
      await new Promise((r) => setTimeout(r, 3000));
      expect(unreachable()).toHaveLength(1);
      process.kill(pid, 'SIGCONT');
      paused = false;
      await waitFor(() => events.some((e) => e.type === 'cluster.etcd-reachable'), { timeoutMs: 30_000, intervalMs: 100, message: () => `cluster.etcd-reachable once etcd answers; events: ${events.map((e) => `${e.type}: ${e.message}`).join('\n')}` });
      // Coming back (lease found gone, a new grant) is no new outage.
      expect(unreachable()).toHaveLength(1);
    } finally {
      if (paused) process.kill(pid, 'SIGCONT');
      await node.stop();
    }
  }, 120_000);
});
