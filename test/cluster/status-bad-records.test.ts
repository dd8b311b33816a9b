// `cluster status` and `cluster move` on a real etcd whose records were written by someone else (etcdctl, another
// version): one bad record is named and left out, a move is checked before a healthy instance is stopped for it.
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterNode, type PlacementFact, type Seat } from '../../src/cluster/cluster-node.js';
import { clusterSchema } from '../../src/cluster/cluster-schema.js';
import { connectEtcdClients, type EtcdClients } from '../../src/cluster/etcd-connect.js';
import { LeaseRenewer } from '../../src/cluster/lease-renewer.js';
import { systemClock } from '../../src/platform/clock.js';
import { waitFor } from '../helpers/processes.js';
import { startEtcdCluster, type EtcdCluster } from './etcd-cluster.js';

/** The service's side of a seat, as the plugin would connect it: campaigns when `may`, records what it was told. */
function seat(may: boolean): Seat & { facts: PlacementFact[] } {
  const facts: PlacementFact[] = [];
  return { name: 'gw', stopGraceMs: 1000, facts, mayCampaign: () => may, instanceGone: () => true, report: (f) => void facts.push(f), fence: async () => undefined };
}

describe('cluster status and move with bad records in etcd (real etcd)', () => {
  let etcd: EtcdCluster;
  let admin: Etcd3;
  const open: Array<{ node: ClusterNode; clients: EtcdClients }> = [];
  beforeAll(async () => {
    etcd = await startEtcdCluster(1);
    admin = new Etcd3({ hosts: etcd.endpoints });
  }, 90_000);
  afterAll(async () => {
    for (const o of open) {
      await o.node.stop();
      for (const p of o.clients.perEndpoint) p.client.close();
    }
    admin?.close();
    await etcd?.stop();
  });

  async function member(prefix: string, s: Seat): Promise<ClusterNode> {
    const cfg = clusterSchema.parse({ member: 'a', endpoints: etcd.endpoints, leaseTtl: '5s', prefix, pollInterval: '100ms' });
    const clock = systemClock();
    const clients = await connectEtcdClients(cfg);
    const node = new ClusterNode(clients.client, cfg, clock, () => undefined, () => ({ api: null }), new LeaseRenewer(clients.perEndpoint, clock, 1000));
    open.push({ node, clients });
    node.addSeat(s);
    node.start();
    await waitFor(async () => (await node.status()).members.some((m) => m.member === 'a'), { timeoutMs: 20_000, intervalMs: 100, message: () => 'member a to be registered' });
    return node;
  }

  it('a garbage failover or member record is named; etcd stays reachable and the other members are listed', async () => {
    const prefix = `bad${process.pid}`;
    const s = seat(true);
    const node = await member(prefix, s);
    await waitFor(() => s.facts.some((f) => f.active), { timeoutMs: 20_000, intervalMs: 100, message: () => 'a to lead gw' });
    await admin.put(`/${prefix}/failover/gw`).value('not json{');
    await admin.put(`/${prefix}/members/zz`).value('garbage');
    await admin.put(`/${prefix}/members/n`).value(JSON.stringify({ member: 42 }));
    // A member of a newer version, with fields this one does not know.
    await admin.put(`/${prefix}/members/nv`).value(JSON.stringify({ member: 'nv', since: 1, api: 'http://127.0.0.1:9', services: ['gw'], zone: 'eu' }));
    let st = await node.status();
    expect(st.etcdReachable).toBe(true);
    expect(st.members.map((m) => m.member).sort()).toEqual(['?', '?', 'a', 'nv']);
    // A record of an older member says nothing of its idle singletons (cluster12's `idle`): null, unknown, not "none".
    expect(st.members.find((m) => m.member === 'nv')).toEqual({ member: 'nv', since: 1, api: 'http://127.0.0.1:9', services: ['gw'], idle: null });
    expect(st.unreadable).toEqual(
      expect.arrayContaining([
        { key: `/${prefix}/failover/gw`, problem: 'not JSON: "not json{"' },
        { key: `/${prefix}/members/zz`, problem: 'not JSON: "garbage"' },
        { key: `/${prefix}/members/n`, problem: 'field "member" is 42, expected a member name' },
      ]),
    );
    expect(st.services[0]!.lastFailover).toBeNull();
    // Valid JSON of the wrong shape: the CLI printed a RangeError on its time.
    await admin.put(`/${prefix}/failover/gw`).value(JSON.stringify({ service: 'gw', from: 'b', to: 'a', kind: 'failover', at: 'yesterday', noLeaderMs: 5 }));
    st = await node.status();
    expect(st.etcdReachable).toBe(true);
    expect(st.unreadable).toContainEqual({ key: `/${prefix}/failover/gw`, problem: 'field "at" is "yesterday", expected a time in ms since 1970' });
  }, 60_000);

  it("a move to '?' (status's placeholder) is refused; a standing request for a member that is not live does not stop the leader's instance", async () => {
    const prefix = `q${process.pid}`;
    const s = seat(true);
    const node = await member(prefix, s);
    await admin.put(`/${prefix}/members/zz`).value('garbage');
    await waitFor(() => s.facts.some((f) => f.active), { timeoutMs: 20_000, intervalMs: 100, message: () => 'a to lead gw' });
    expect(await node.move('gw', '?')).toEqual({ status: 400, message: 'to: "?" is not a member name: expected a member name of letters, digits, "-", "_" or "." (at most 63, starting with a letter or digit)' });
    // A request written past the check (an earlier version, etcdctl): withdrawn, the leader keeps its instance.
    const before = s.facts.length;
    await admin.put(`/${prefix}/move/gw`).value('ghost');
    await waitFor(async () => (await admin.get(`/${prefix}/move/gw`).string()) === null, { timeoutMs: 20_000, intervalMs: 100, message: () => 'the request to be withdrawn or followed' });
    expect(s.facts.slice(before).filter((f) => !f.active), JSON.stringify(s.facts.slice(before))).toEqual([]);
    expect((await node.status()).services[0]!.self).toBe(true);
  }, 60_000);

  it('a move while nobody leads says so (it said "asked the leader to hand over")', async () => {
    const prefix = `nl${process.pid}`;
    const node = await member(prefix, seat(false));
    await admin.put(`/${prefix}/members/b`).value(JSON.stringify({ member: 'b', since: 1, api: null, services: ['gw'] }));
    expect(await node.move('gw', 'b')).toEqual({ status: 202, message: 'gw: no member leads it now; asked b to take it' });
  }, 60_000);
});
