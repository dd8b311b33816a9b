// A member gives a singleton up (Level 4, a failed preflight) while etcd does not answer: its key must still be freed.
import net from 'node:net';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterNode, type PlacementFact } from '../../src/cluster/cluster-node.js';
import { clusterSchema } from '../../src/cluster/cluster-schema.js';
import { connectEtcdClients } from '../../src/cluster/etcd-connect.js';
import { LeaseRenewer } from '../../src/cluster/lease-renewer.js';
import { systemClock } from '../../src/platform/clock.js';
import { freePort } from '../helpers/ports.js';
import { waitFor } from '../helpers/processes.js';
import { startEtcdCluster, type EtcdCluster } from './etcd-cluster.js';

/** A TCP proxy to etcd that can drop every connection and refuse new ones for a while (etcd unreachable from one member). */
async function etcdProxy(target: number): Promise<{ port: number; outage(ms: number): void; close(): void }> {
  let downUntil = 0;
  const socks = new Set<net.Socket>();
  const server = net.createServer((c) => {
    if (Date.now() < downUntil) return void c.destroy();
    const u = net.connect(target, '127.0.0.1');
    const end = (): void => {
      c.destroy();
      u.destroy();
      socks.delete(c);
      socks.delete(u);
    };
    socks.add(c).add(u);
    c.pipe(u).pipe(c);
    for (const s of [c, u]) s.on('error', end).on('close', end);
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    port,
    outage(ms) {
      downUntil = Date.now() + ms;
      for (const s of socks) s.destroy();
      socks.clear();
    },
    close() {
      for (const s of socks) s.destroy();
      server.close();
    },
  };
}

interface TestMember {
  node: ClusterNode;
  facts: PlacementFact[];
  campaign: { may: boolean };
}

async function member(name: string, endpoint: string, prefix: string): Promise<TestMember> {
  const cfg = clusterSchema.parse({ member: name, endpoints: [endpoint], leaseTtl: '10s', prefix, pollInterval: '100ms' });
  const clock = systemClock();
  const { client, perEndpoint } = await connectEtcdClients(cfg);
  const node = new ClusterNode(client, cfg, clock, () => undefined, () => ({}), new LeaseRenewer(perEndpoint, clock, 1000));
  const facts: PlacementFact[] = [];
  const campaign = { may: true };
  node.addSeat({ name: 'gw', stopGraceMs: 1000, mayCampaign: () => campaign.may, instanceGone: () => true, report: (f) => facts.push(f), fence: async () => undefined });
  return { node, facts, campaign };
}

describe('a hand-over while etcd does not answer', () => {
  let etcd: EtcdCluster;
  let admin: Etcd3;
  const prefix = `blip-${process.pid}`;
  beforeAll(async () => {
    etcd = await startEtcdCluster(1);
    admin = new Etcd3({ hosts: etcd.endpoints });
  }, 90_000);
  afterAll(async () => {
    admin?.close();
    await etcd?.stop();
  });

  it('frees the leader key once etcd answers again, so another member takes over (it used to stay held: no one ran it)', async () => {
    const proxy = await etcdProxy(etcd.members[0]!.clientPort);
    const a = await member('a', `http://127.0.0.1:${proxy.port}`, prefix);
    const b = await member('b', etcd.endpoints[0]!, prefix);
    b.campaign.may = false;
    try {
      a.node.start();
      await waitFor(() => a.facts.some((f) => f.active), { timeoutMs: 20_000, message: () => `a to win: ${JSON.stringify(a.facts)}` });
      b.node.start();
      b.campaign.may = true;

      // a gives the service up (its preflight failed) at a moment etcd does not answer it: the key's delete fails.
      a.campaign.may = false;
      proxy.outage(2500);
      a.node.release('gw', 'preflight failed: port held');
      const released = a.facts.length;
      await new Promise((r) => setTimeout(r, 2500));
      expect(a.facts.at(-1)).toMatchObject({ active: false });

      // Its lease lives on (renewed after the blip), but it runs nothing: the key must be freed and b must win.
      const won = await waitFor(() => b.facts.find((f) => f.active), { timeoutMs: 15_000, intervalMs: 100, message: () => 'b to win' }).catch((e: Error) => e);
      expect(won, `the leader key says ${await admin.get(`/${prefix}/leader/gw`).string()}`).not.toBeInstanceOf(Error);
      expect(await admin.get(`/${prefix}/leader/gw`).string()).toBe('b');
      // a, which gave it up, never took it back meanwhile.
      expect(a.facts.slice(released).some((f) => f.active)).toBe(false);
    } finally {
      await a.node.stop();
      await b.node.stop();
      proxy.close();
    }
  }, 60_000);
});
