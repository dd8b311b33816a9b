// An endpoint list that mixes two etcd clusters (a deploy typo) is refused loudly: no member keeps the singleton running on it.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEtcdCluster, type EtcdCluster } from './etcd-cluster.js';
import { waitFor } from '../helpers/processes.js';
import { ask, endMembers, journalLines, startMember, watchAnswers, type Member } from './cluster-members.js';

let one: EtcdCluster;
let two: EtcdCluster;
let members: Member[] = [];

beforeAll(async () => {
  [one, two] = await Promise.all([startEtcdCluster(1), startEtcdCluster(1)]);
}, 90_000);
afterEach(async () => {
  await endMembers(members);
  members = [];
});
afterAll(async () => {
  await Promise.all([one?.stop(), two?.stop()]);
});

describe('an endpoint list that mixes two etcd clusters (real etcd)', () => {
  it('is refused: the singleton never runs on two members at once, and each member says why', async () => {
    const prefix = `mixed${process.pid}`;
    const endpoints = [one.endpoints[0]!, two.endpoints[0]!];
    const [a, b] = await Promise.all([startMember('a', { endpoints, prefix }), startMember('b', { endpoints: [...endpoints].reverse(), prefix })]);
    members = [a, b];
    const watch = watchAnswers([a, b]);
    // Bounded: 20 s of watching (four 5 s TTLs) is enough for the random endpoint choice to split the election.
    await new Promise((r) => setTimeout(r, 20_000));
    await watch.stop();
    const served = watch.log.filter((l) => l.who.length > 0).length;
    console.log(`mixed list: ${watch.overlaps.length} rounds with two answering, ${served} of ${watch.log.length} with any`);
    expect(watch.overlaps, journalLines(a) + '\n' + journalLines(b)).toEqual([]);
    expect(await ask(a.servicePort)).toBeNull();
    expect(await ask(b.servicePort)).toBeNull();
    for (const m of [a, b]) {
      const lines = journalLines(m);
      console.log(lines.split('\n').find((l) => l.includes('different etcd clusters')));
      expect(lines).toMatch(/cluster\.etcd-unreachable: cluster member \w: cluster\.endpoints: the endpoints belong to 2 different etcd clusters/);
      // An endpoint that did not answer the member's first look within its bound (a loaded host: CI saw it) is taken as
      // down, not foreign, so the member may win on the other and start; the mixed list is then caught when the endpoint
      // answers (the next test), and that instance stopped. Never two at once either way (the overlaps above).
      if (/service\.started/.test(lines)) expect(lines).toMatch(/service\.started[\s\S]*cluster\.standby: gw: stopping this member's instance: cluster\.endpoints mixes two etcd clusters[\s\S]*service\.stopped/);
    }
  }, 120_000);

  it('an endpoint of another cluster that was down at start is caught when it answers: the member gives the lease up and stops its instance', async () => {
    const prefix = `late${process.pid}`;
    await two.kill(0);
    const a = await startMember('a', { endpoints: [one.endpoints[0]!, two.endpoints[0]!], prefix });
    members = [a];
    // Only cluster one answers: the list cannot be judged yet, and the member serves.
    await waitFor(() => ask(a.servicePort), { timeoutMs: 30_000, intervalMs: 50, message: () => `a to serve: ${journalLines(a)}` });
    await two.start(0);
    const startedAt = Date.now();
    // The refusal first (one unanswered ask on a loaded box is not a stopped instance), then no answer for good.
    const refused = /cluster\.endpoints: the endpoints belong to 2 different etcd clusters/;
    await waitFor(async () => refused.test(journalLines(a)) && (await ask(a.servicePort)) === null, { timeoutMs: 30_000, intervalMs: 50, message: () => `a to stop its instance: ${journalLines(a)}` });
    console.log(`foreign endpoint up -> instance stopped in ${Date.now() - startedAt} ms`);
    // Stopped, not a slow answer: its instance's end is in the journal after the refusal.
    await waitFor(() => /cluster\.etcd-unreachable[\s\S]*service\.(exited|stopped)/.test(journalLines(a)), { timeoutMs: 10_000, intervalMs: 200, message: () => `a's instance to end: ${journalLines(a)}` });
  }, 120_000);
});
