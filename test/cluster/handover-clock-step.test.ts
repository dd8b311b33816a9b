// A member's hand-over waits for its instance to be gone on the monotonic clock: a wall-clock step (NTP, date -s) neither frees the key under a running instance nor holds it for the step.
import { Etcd3 } from 'etcd3';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR } from '../helpers/clock.js';
import { waitFor } from '../helpers/processes.js';
import { ETCD_BIN, startEtcdCluster, type EtcdCluster } from './etcd-cluster.js';
import { steppableMember, type SteppableMember } from './steppable-member.js';

const member = (name: string, endpoint: string, prefix: string): Promise<SteppableMember> => steppableMember(name, endpoint, prefix, { ttlMs: 10_000, renewMs: 1000, instanceGone: false });

describe.skipIf(!existsSync(ETCD_BIN))('a hand-over across a wall-clock step', () => {
  let etcd: EtcdCluster;
  let admin: Etcd3;
  beforeAll(async () => {
    etcd = await startEtcdCluster(1);
    admin = new Etcd3({ hosts: etcd.endpoints });
  }, 90_000);
  afterAll(async () => {
    admin?.close();
    await etcd?.stop();
  });

  async function leading(prefix: string) {
    const a = await member('a', etcd.endpoints[0]!, prefix);
    a.node.start();
    await waitFor(() => a.facts.some((f) => f.active), { timeoutMs: 20_000, message: () => `a to win: ${JSON.stringify(a.facts)}` });
    return a;
  }

  it('set forward an hour, the key stays held while the instance still runs (another member would start a second one)', async () => {
    const prefix = `hstep-f-${process.pid}`;
    const a = await leading(prefix);
    try {
      // It gives the service up (its preflight failed) and does not campaign again.
      a.campaign.may = false;
      a.node.release('gw', 'preflight failed');
      a.clock.step(HOUR);
      await new Promise((r) => setTimeout(r, 1_000));
      expect(await admin.get(`/${prefix}/leader/gw`).string()).toBe('a');
      a.instance.gone = true;
      await waitFor(async () => (await admin.get(`/${prefix}/leader/gw`).string()) === null, { timeoutMs: 5_000, message: 'the key to be freed once the instance is gone' });
    } finally {
      await a.node.stop();
    }
  }, 60_000);

  it('set back an hour, an instance that does not go away holds the key until the kill deadline, not for the hour', async () => {
    const prefix = `hstep-b-${process.pid}`;
    const a = await leading(prefix);
    try {
      // It gives the service up (its preflight failed) and does not campaign again.
      a.campaign.may = false;
      a.node.release('gw', 'preflight failed');
      a.clock.step(-HOUR);
      // killBy is at most 8 s (10 s TTL - 2 s margin) after the last renewal, then one more second.
      await waitFor(async () => (await admin.get(`/${prefix}/leader/gw`).string()) === null, { timeoutMs: 12_000, intervalMs: 200, message: 'the key to be freed at the kill deadline' });
    } finally {
      await a.node.stop();
    }
  }, 60_000);
});
