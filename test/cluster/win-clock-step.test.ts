// A member that wins a service just after a step of its wall clock gives its instance the lease's real deadlines: set back an hour, they were an hour late (a second instance elsewhere for the hour).
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { PlacementFact } from '../../src/cluster/cluster-node.js';
import { HOUR } from '../helpers/clock.js';
import { waitFor } from '../helpers/processes.js';
import { ETCD_BIN, oneEtcdPerFile } from './etcd-cluster.js';
import { steppableMember, type SteppableMember } from './steppable-member.js';

const TTL_MS = 10_000;

const member = (name: string, endpoint: string, prefix: string): Promise<SteppableMember> => steppableMember(name, endpoint, prefix, { ttlMs: TTL_MS, renewMs: 1000 });

describe.skipIf(!existsSync(ETCD_BIN))('winning a service across a wall-clock step', () => {
  const etcd = oneEtcdPerFile();

  for (const [label, step] of [
    ['back', -HOUR],
    ['forward', HOUR],
  ] as const) {
    it(`set ${label} an hour just before the win: the deadlines told and fenced are at most the TTL away, never later`, async () => {
      const prefix = `wstep-${label}-${process.pid}`;
      const a = await member('a', etcd.endpoints[0]!, prefix);
      a.node.start();
      await waitFor(() => a.facts.some((f) => f.active), { timeoutMs: 20_000, message: () => `a to win: ${JSON.stringify(a.facts)}` });
      const b = await member('b', etcd.endpoints[0]!, prefix);
      b.node.start();
      try {
        await waitFor(() => b.facts.some((f) => !f.active && f.holder === 'a'), { timeoutMs: 20_000, message: () => `b to see a lead: ${JSON.stringify(b.facts)}` });
        // NTP steps b's clock, and a gives the service up before b's next renewal (every TTL / 5).
        b.clock.step(step);
        a.campaign.may = false;
        a.node.release('gw', 'preflight failed');
        await waitFor(() => b.facts.some((f) => f.active), { timeoutMs: 20_000, message: () => `b to win: ${JSON.stringify(b.facts)}` });
        const won = b.facts.find((f) => f.active)! as PlacementFact & { active: true; toldAt: number };
        expect(won.killBy - won.toldAt).toBeLessThanOrEqual(TTL_MS);
        expect(won.stopBy - won.toldAt).toBeLessThanOrEqual(TTL_MS);
        for (const f of b.fenced) expect(f.killBy - f.at).toBeLessThanOrEqual(TTL_MS);
      } finally {
        await b.node.stop();
        await a.node.stop();
      }
    }, 90_000);
  }
});
