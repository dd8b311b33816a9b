// A cluster member on a wall clock the test steps (NTP, `date -s`), with one seat "gw" whose campaign, instance and
// reports the test controls: the base of the clock-step tests against a real etcd.
import { ClusterNode, type PlacementFact } from '../../src/cluster/cluster-node.js';
import { clusterSchema } from '../../src/cluster/cluster-schema.js';
import { connectEtcdClients } from '../../src/cluster/etcd-connect.js';
import { LeaseRenewer } from '../../src/cluster/lease-renewer.js';
import type { ClawbackEvent } from '../../src/observe/events.js';
import { steppableClock } from '../helpers/clock.js';

export interface SteppableMember {
  node: ClusterNode;
  clock: ReturnType<typeof steppableClock>;
  /** What the seat was told, with the member's wall clock at the time. */
  facts: Array<PlacementFact & { toldAt: number }>;
  /** Each fence the seat was asked for: the kill deadline and when. */
  fenced: Array<{ killBy: number; at: number }>;
  events: ClawbackEvent[];
  instance: { gone: boolean };
  campaign: { may: boolean };
}

export async function steppableMember(name: string, endpoint: string, prefix: string, o: { ttlMs: number; renewMs: number; instanceGone?: boolean }): Promise<SteppableMember> {
  const cfg = clusterSchema.parse({ member: name, endpoints: [endpoint], leaseTtl: `${o.ttlMs / 1000}s`, prefix, pollInterval: '100ms' });
  const clock = steppableClock();
  const { client, perEndpoint } = await connectEtcdClients(cfg);
  const events: ClawbackEvent[] = [];
  const node = new ClusterNode(client, cfg, clock, (e) => void events.push(e), () => ({}), new LeaseRenewer(perEndpoint, clock, o.renewMs));
  const m: SteppableMember = { node, clock, facts: [], fenced: [], events, instance: { gone: o.instanceGone ?? true }, campaign: { may: true } };
  node.addSeat({
    name: 'gw',
    stopGraceMs: 1000,
    mayCampaign: () => m.campaign.may,
    instanceGone: () => m.instance.gone,
    report: (f) => void m.facts.push({ ...f, toldAt: clock.now() }),
    fence: async (killBy) => void m.fenced.push({ killBy, at: clock.now() }),
  });
  return m;
}
