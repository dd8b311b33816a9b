// `clawback cluster move` to a live member whose config has no such singleton (a rolling config change, a typo in the
// service's name on that host): nobody there would ever campaign for it, so the service was left with no leader.
import { describe, expect, it } from 'vitest';
import { activeMember, api, ask, journalLines, startMember, watchAnswers, etcdForMembers } from './cluster-members.js';
import { waitFor } from '../helpers/processes.js';

const TTL_MS = 5000;
const env = etcdForMembers(1);

describe('cluster move to a member without that singleton (real etcd, real daemons)', () => {
  it('is refused (409, naming the member and its singletons); the service keeps running where it is', async () => {
    const opts = { endpoints: env.etcd.endpoints, prefix: `mns${process.pid}`, leaseTtl: `${TTL_MS / 1000}s` };
    const a = await startMember('a', opts);
    const b = await startMember('b', { ...opts, service: { name: 'other' } });
    env.members = [a, b];
    await activeMember([a]);
    await waitFor(async () => ((await api(a, 'GET', '/api/cluster')).body.members as Array<{ member: string }>).some((m) => m.member === 'b'), {
      timeoutMs: 20_000,
      message: () => 'b to be a live member',
    });
    const watch = watchAnswers([a]);
    const startedAt = Date.now();
    const moved = await api(a, 'POST', '/api/cluster/move?service=gw&to=b');
    // Past several of the leader's checks of a move request (once per renewal period, TTL / 5) and a clean stop.
    await new Promise((r) => setTimeout(r, 3 * TTL_MS / 5 + 2000));
    await watch.stop();
    const silent = watch.log.filter((r) => r.who.length === 0);
    console.log(`move to a member without gw: answer ${moved.status} ${JSON.stringify(moved.body)}; ${silent.length} of ${watch.log.length} polls unanswered, the first at +${silent.length ? silent[0]!.at - startedAt : '-'} ms`);
    expect(moved.status, JSON.stringify(moved.body)).toBe(409);
    expect(moved.body.message).toBe('b does not run gw as a singleton service (its singletons: other)');
    // Never stopped nor started again: one start in the journal, no stop or exit. A lone poll unanswered in its 200 ms
    // happened once at load ~20 with nothing in the journal; a stop and start leaves several in a row.
    const lines = journalLines(a);
    expect(lines.split('\n').filter((l) => l.includes('service.started')).length, lines).toBe(1);
    expect(lines, lines).not.toMatch(/service\.(stopped|exited)|cluster\.standby/);
    const inARow = watch.log.some((r, i) => r.who.length === 0 && watch.log[i + 1]?.who.length === 0);
    expect(inARow, `${JSON.stringify(silent)}\n${lines}`).toBe(false);
    expect(await ask(a.servicePort)).not.toBeNull();
  }, 120_000);
});
