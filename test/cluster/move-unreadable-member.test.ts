// A move naming a member whose member key cannot be read (garbage written by hand or by another version): the leader
// took it as able, stopped its healthy instance and freed the key, and nobody led until the request lapsed. An
// unreadable member is not able: the request is withdrawn, said with the key's problem, and the leader keeps the service.
import { describe, expect, it } from 'vitest';
import { ClusterNode, type PlacementFact } from '../../src/cluster/cluster-node.js';
import { clusterSchema } from '../../src/cluster/cluster-schema.js';
import { connectEtcdClients } from '../../src/cluster/etcd-connect.js';
import { LeaseRenewer } from '../../src/cluster/lease-renewer.js';
import type { ClawbackEvent } from '../../src/observe/events.js';
import { systemClock } from '../../src/platform/clock.js';
import { waitFor } from '../helpers/processes.js';
import { oneEtcdPerFile } from './etcd-cluster.js';

describe('a move to a member whose key cannot be read (real etcd)', () => {
  const etcd = oneEtcdPerFile();

  it('is withdrawn and said; the leader keeps its instance', async () => {
    const prefix = `moveunread-${process.pid}`;
    const cfg = clusterSchema.parse({ member: 'a', endpoints: etcd.endpoints, leaseTtl: '5s', prefix, pollInterval: '100ms' });
    const clock = systemClock();
    const { client, perEndpoint } = await connectEtcdClients(cfg);
    const events: ClawbackEvent[] = [];
    const node = new ClusterNode(client, cfg, clock, (e) => events.push(e), () => ({}), new LeaseRenewer(perEndpoint, clock, 1000));
    const facts: PlacementFact[] = [];
    node.addSeat({ name: 'gw', stopGraceMs: 1000, mayCampaign: () => true, instanceGone: () => true, report: (f) => facts.push(f), fence: async () => undefined });
    try {
      node.start();
      await waitFor(() => facts.some((f) => f.active), { timeoutMs: 20_000, intervalMs: 50, message: () => 'the member to win' });
      const wonAt = facts.findIndex((f) => f.active);
      await client.put(`/${prefix}/members/ghost`).value('{"member": ').exec();
      await client.put(`/${prefix}/move/gw`).value('ghost').exec();
      await waitFor(() => events.some((e) => e.type === 'cluster.standby' && e.details?.withdrawn !== undefined), { timeoutMs: 15_000, intervalMs: 50, message: () => `the withdrawal; facts: ${JSON.stringify(facts.slice(wonAt))}` });
      const note = events.find((e) => e.details?.withdrawn !== undefined)!;
      expect(note.message).toContain('ghost');
      expect(note.message).toContain('cannot be read');
      expect(note.message).toContain('not JSON');
      expect(await client.get(`/${prefix}/move/gw`).string()).toBeNull();
      // Never given up: every fact since the win says active on this member.
      expect(facts.slice(wonAt).every((f) => f.active)).toBe(true);
      expect(await client.get(`/${prefix}/leader/gw`).string()).toBe('a');
    } finally {
      await node.stop();
      client.close();
    }
  }, 60_000);

  it('a move asked for such a member is refused naming its key and the problem, not "no live member (live: a, ?)"', async () => {
    const prefix = `moveunread2-${process.pid}`;
    const cfg = clusterSchema.parse({ member: 'a', endpoints: etcd.endpoints, leaseTtl: '5s', prefix, pollInterval: '100ms' });
    const clock = systemClock();
    const { client, perEndpoint } = await connectEtcdClients(cfg);
    const node = new ClusterNode(client, cfg, clock, () => undefined, () => ({}), new LeaseRenewer(perEndpoint, clock, 1000));
    const facts: PlacementFact[] = [];
    node.addSeat({ name: 'gw', stopGraceMs: 1000, mayCampaign: () => true, instanceGone: () => true, report: (f) => facts.push(f), fence: async () => undefined });
    try {
      node.start();
      await waitFor(() => facts.some((f) => f.active), { timeoutMs: 20_000, intervalMs: 50, message: () => 'the member to win' });
      await client.put(`/${prefix}/members/ghost`).value('{"member": ').exec();
      const r = await node.move('gw', 'ghost');
      expect(r.status).toBe(409);
      expect(r.message).toContain(`/${prefix}/members/ghost`);
      expect(r.message).toContain('cannot be read');
      expect(r.message).toContain('not JSON');
      expect(r.message).not.toContain('no live member');
      expect(await client.get(`/${prefix}/move/gw`).string()).toBeNull();
      // A name with no key at all still gets the list of live members.
      expect((await node.move('gw', 'nobody')).message).toBe('no live member named "nobody" (live: a, ?)');
    } finally {
      await node.stop();
      client.close();
    }
  }, 60_000);
});
