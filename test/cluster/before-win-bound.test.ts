// A winner's config-follow step that never finished (a config write stuck on a hung disk) held the won lease with the
// service never started, for good: no event, no failover. Now it is bounded (2 x TTL/5), said, and aborted.
import { describe, expect, it } from 'vitest';
import { ClusterNode, type PlacementFact } from '../../src/cluster/cluster-node.js';
import { clusterSchema } from '../../src/cluster/cluster-schema.js';
import { connectEtcdClients } from '../../src/cluster/etcd-connect.js';
import { LeaseRenewer } from '../../src/cluster/lease-renewer.js';
import type { ClawbackEvent } from '../../src/observe/events.js';
import { systemClock } from '../../src/platform/clock.js';
import { waitFor } from '../helpers/processes.js';
import { oneEtcdPerFile } from './etcd-cluster.js';

describe('the step between a win and the start is bounded (real etcd)', () => {
  const etcd = oneEtcdPerFile();

  it('a beforeWin that never settles: the service still goes active, the warning says why, the late work is aborted', async () => {
    const cfg = clusterSchema.parse({ member: 'a', endpoints: etcd.endpoints, leaseTtl: '5s', prefix: `bwbound-${process.pid}`, pollInterval: '100ms' });
    const clock = systemClock();
    const { client, perEndpoint } = await connectEtcdClients(cfg);
    const events: ClawbackEvent[] = [];
    const node = new ClusterNode(client, cfg, clock, (e) => events.push(e), () => ({}), new LeaseRenewer(perEndpoint, clock, 1000));
    const facts: PlacementFact[] = [];
    let given: AbortSignal | null = null;
    let calledAt = 0;
    node.addSeat({
      name: 'gw',
      stopGraceMs: 1000,
      mayCampaign: () => true,
      instanceGone: () => true,
      report: (f) => facts.push(f),
      // Stuck for good, as a write to a hung mount is.
      beforeWin: (signal) => {
        given = signal;
        calledAt = Date.now();
        return new Promise<void>(() => undefined);
      },
      fence: async () => undefined,
    });
    try {
      node.start();
      await waitFor(() => facts.some((f) => f.active), { timeoutMs: 20_000, intervalMs: 50, message: () => `the member to go active; events: ${JSON.stringify(events.map((e) => e.message))}` });
      const activeAfter = Date.now() - calledAt;
      console.log(`active ${activeAfter} ms after the stuck config step began`);
      expect(activeAfter).toBeGreaterThanOrEqual(1900);
      const note = events.find((e) => e.details?.action === 'cluster-follow-skipped');
      expect(note?.severity).toBe('warning');
      expect(note?.message).toContain('did not finish within 2000 ms');
      expect((given as AbortSignal | null)?.aborted).toBe(true);
    } finally {
      await node.stop();
      client.close();
    }
  }, 60_000);
});
