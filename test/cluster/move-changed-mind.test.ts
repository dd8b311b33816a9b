// `clawback cluster move` to a member, then (a change of mind) back to the member that runs it: the second answer says
// it already runs there, so the first request must not still move it.
import { describe, expect, it } from 'vitest';
import { activeMember, api, ask, journalLines, startMember, watchAnswers, etcdForMembers } from './cluster-members.js';
import { waitFor } from '../helpers/processes.js';

// The leader checks a standing move request once per renewal period (TTL / 5): a long one makes the two back-to-back
// calls all but sure to land between two checks (with 5 s, a loaded machine let the check fall between them: a flake).
const TTL_MS = 30_000;
const env = etcdForMembers(1);

describe('cluster move, then move back to the leader (real etcd, real daemons)', () => {
  it('"already runs on" the leader withdraws the standing request: the service stays where it is', async () => {
    const opts = { endpoints: env.etcd.endpoints, prefix: `mcm${process.pid}`, leaseTtl: `${TTL_MS / 1000}s` };
    const [a, b] = await Promise.all([startMember('a', opts), startMember('b', opts)]);
    env.members = [a, b];
    const first = await activeMember([a, b]);
    const other = first === a ? b : a;
    await waitFor(async () => ((await api(first, 'GET', '/api/cluster')).body.members as Array<{ member: string }>).some((m) => m.member === other.name), {
      timeoutMs: 20_000,
      message: () => `${other.name} to be a live member`,
    });
    const watch = watchAnswers([a, b]);
    const there = await api(first, 'POST', `/api/cluster/move?service=gw&to=${other.name}`);
    const back = await api(first, 'POST', `/api/cluster/move?service=gw&to=${first.name}`);
    expect(there.status, JSON.stringify(there.body)).toBe(202);
    expect(back.status, JSON.stringify(back.body)).toBe(200);
    expect(back.body.message).toContain(`already runs on ${first.name} (the request to move it to ${other.name} is withdrawn)`);
    // Past several of the leader's checks of a move request (once per renewal period, TTL / 5) and a clean stop.
    await new Promise((r) => setTimeout(r, 2 * TTL_MS / 5 + 2000));
    await watch.stop();
    const journals = `${journalLines(first)}\n${journalLines(other)}`;
    expect(watch.overlaps).toEqual([]);
    // Never served by the other member, and the leader's instance never stopped (one start in its journal). A single poll
    // of the 20 ms watch that timed out on a loaded machine is no stop: not counted.
    expect(watch.log.filter((r) => r.who.includes(other.name)), journals).toEqual([]);
    expect(journalLines(first).match(/service\.started/g) ?? [], journals).toHaveLength(1);
    expect(journalLines(first), journals).not.toMatch(/service\.(stopped|exited)/);
    expect(await ask(other.servicePort)).toBeNull();
    expect(await ask(first.servicePort, 5000)).not.toBeNull();
    expect(journals).not.toContain('moving to');
  }, 120_000);
});
