// The gap a failover reports (event, status, the no-leader counter) is measured time, not the wall clock's step: an hour's NTP step made it -1 h or +1 h.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HOUR } from '../helpers/clock.js';
import { waitFor } from '../helpers/processes.js';
import { ETCD_BIN, oneEtcdPerFile } from './etcd-cluster.js';
import { steppableMember, type SteppableMember } from './steppable-member.js';

const TTL_MS = 5000;

const member = (name: string, endpoint: string, prefix: string): Promise<SteppableMember> => steppableMember(name, endpoint, prefix, { ttlMs: TTL_MS, renewMs: 500 });

describe.skipIf(!existsSync(ETCD_BIN))('the failover gap across a wall-clock step', () => {
  const etcd = oneEtcdPerFile();

  for (const [label, step] of [
    ['back', -HOUR],
    ['forward', HOUR],
  ] as const) {
    it(`the winner's clock set ${label} an hour while nobody leads: the gap is the real one (seconds), not the step`, async () => {
      const prefix = `gapstep-${label}-${process.pid}`;
      const a = await member('a', etcd.endpoints[0]!, prefix);
      a.node.start();
      await waitFor(() => a.facts.some((f) => f.active), { timeoutMs: 20_000, message: () => `a to win: ${JSON.stringify(a.facts)}` });
      const b = await member('b', etcd.endpoints[0]!, prefix);
      b.node.start();
      try {
        await waitFor(() => b.facts.some((f) => !f.active && f.holder === 'a'), { timeoutMs: 20_000, message: () => `b to see a lead: ${JSON.stringify(b.facts)}` });
        // b stands aside for a moment; a gives the service up; b sees nobody lead; then NTP steps b's clock and b campaigns.
        b.campaign.may = false;
        a.campaign.may = false;
        const releasedAt = Date.now();
        a.node.release('gw', 'preflight failed');
        await waitFor(() => b.facts.at(-1)?.active === false && b.facts.at(-1)?.holder === null, { timeoutMs: 20_000, message: () => `b to see no leader: ${JSON.stringify(b.facts)}` });
        b.clock.step(step);
        b.campaign.may = true;
        await waitFor(() => b.facts.some((f) => f.active), { timeoutMs: 20_000, message: () => `b to win: ${JSON.stringify(b.facts)}` });
        // The win is told to the seat first; the failover event follows an etcd read (the incident a releaser left).
        await waitFor(() => b.events.some((e) => e.type === 'cluster.failover'), { timeoutMs: 10_000, message: () => `the failover event: ${JSON.stringify(b.events)}` });
        const real = Date.now() - releasedAt;
        const failover = b.events.find((e) => e.type === 'cluster.failover');
        const gap = (failover!.details as { noLeaderMs: number }).noLeaderMs;
        expect(gap).toBeGreaterThanOrEqual(0);
        // Whole milliseconds, in the record and in the words a notification carries.
        expect(Number.isInteger(gap), String(gap)).toBe(true);
        expect(failover!.message).toMatch(/no leader for \d+ ms/);
        expect(gap).toBeLessThanOrEqual(real + 1000);
        const figures = b.node.localFigures()[0]!;
        expect(figures.noLeaderSeconds).toBeGreaterThanOrEqual(0);
        expect(figures.noLeaderSeconds * 1000).toBeLessThanOrEqual(real + 1000);
        const status = await b.node.status();
        expect(status.services[0]!.lastFailover!.noLeaderMs).toBe(gap);
      } finally {
        await b.node.stop();
        await a.node.stop();
      }
    }, 90_000);
  }
});
