// One active instance across members, on a real 3-member etcd and real daemons: kill -9, SIGSTOP, etcd member and quorum loss, move.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { spawnMarked, waitFor } from '../helpers/processes.js';
import { MAIN, activeMember, api, ask, journalLines, killMember, startMember, watchAnswers, type Member, type MemberOptions, etcdForMembers } from './cluster-members.js';

const TTL_MS = 5000;
const env = etcdForMembers(3);
let run = 0;

async function twoMembers(extra: { a?: Partial<MemberOptions>; b?: Partial<MemberOptions> } = {}, webhook?: string): Promise<[Member, Member]> {
  const prefix = `t${process.pid}-${++run}`;
  const opts = { endpoints: env.etcd.endpoints, prefix, leaseTtl: `${TTL_MS / 1000}s`, ...(webhook ? { webhook } : {}) };
  const [a, b] = await Promise.all([startMember('a', { ...opts, ...extra.a }), startMember('b', { ...opts, ...extra.b })]);
  env.members = [a, b];
  return [a, b];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('cluster failover (real etcd, real daemons)', () => {
  it('kill -9 of the active member (daemon and service): the standby serves within TTL + its start', async () => {
    // A real webhook receiver: every failover is a notification.
    const bodies: string[] = [];
    const hook = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        bodies.push(body);
        res.end('ok');
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()));
    const hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
    const [a, b] = await twoMembers({}, hookUrl);
    const first = await activeMember([a, b]);
    const other = first === a ? b : a;
    const watch = watchAnswers([a, b]);
    const killedAt = Date.now();
    killMember(first);
    await waitFor(() => ask(other.servicePort), { timeoutMs: 30_000, intervalMs: 20, message: () => `${other.name} to serve` });
    const tookMs = Date.now() - killedAt;
    await watch.stop();
    expect(watch.overlaps).toEqual([]);
    // TTL + the start of a tiny server + a poll interval, with a wide margin for a loaded machine.
    expect(tookMs).toBeLessThan(TTL_MS + 7000);
    const status = await api(other, 'GET', '/api/cluster');
    expect(status.body.services[0]).toMatchObject({ service: 'gw', leader: other.name, self: true });
    expect(status.body.services[0].lastFailover).toMatchObject({ from: first.name, to: other.name, kind: 'failover' });
    // One notification event per failover, on the winner; the start carried the new fencing token.
    const lines = journalLines(other).split('\n');
    expect(lines.filter((l) => l.includes('cluster.failover'))).toHaveLength(1);
    expect(lines.some((l) => l.includes('service.started') && l.includes(`fencing token ${status.body.services[0].fencingToken}`))).toBe(true);
    expect(await ask(other.servicePort)).toBe(`${other.name} ${status.body.services[0].fencingToken}`);
    // Metrics and the CLI.
    const a2 = other.api()!;
    const metrics = await (await fetch(`http://127.0.0.1:${a2.port}/metrics`)).text();
    expect(metrics).toContain(`clawback_cluster_leader{service="gw",member="${other.name}"} 1`);
    expect(metrics).toContain(`clawback_cluster_failovers_total{service="gw",member="${other.name}"} 1`);
    expect(metrics).toMatch(/clawback_cluster_lease_age_seconds\{member="\w+"\} \d/);
    const cli = spawnMarked(process.execPath, [MAIN, '--state-dir', other.stateDir, 'cluster', 'status']);
    await cli.waitForExit(30_000);
    expect(cli.stdout()).toMatch(new RegExp(`gw\\s+${other.name}\\s+active`));
    expect(cli.stdout()).toContain(`failover ${first.name} -> ${other.name}`);
    await waitFor(() => bodies.some((x) => x.includes('cluster.failover')), { timeoutMs: 20_000, message: () => `the failover notification: ${bodies.join('\n')}` });
    hook.close();
    console.log(`kill -9 -> first answer from the other member: ${tookMs} ms (TTL ${TTL_MS} ms)`);
  }, 120_000);

  it('SIGSTOP of the active daemon alone: the guard fences its instance, the standby takes over, never two answer; on SIGCONT it stands by', async () => {
    const [a, b] = await twoMembers();
    const first = await activeMember([a, b]);
    const other = first === a ? b : a;
    const watch = watchAnswers([a, b]);
    process.kill(first.daemon.pid, 'SIGSTOP');
    try {
      await waitFor(() => ask(other.servicePort), { timeoutMs: 30_000, intervalMs: 50, message: () => `${other.name} to take over` });
      expect(await ask(first.servicePort)).toBeNull();
    } finally {
      process.kill(first.daemon.pid, 'SIGCONT');
    }
    // Give the woken daemon time to notice it lost the lease (it must not start its instance again).
    await sleep(3 * TTL_MS);
    await watch.stop();
    expect(watch.overlaps).toEqual([]);
    const journals = (): string => `${journalLines(first)}\n${journalLines(other)}`;
    expect(await ask(first.servicePort), journals()).toBeNull();
    expect(await ask(other.servicePort), journals()).not.toBeNull();
    // What ended the old instance was a SIGKILL while its daemon was paused: the fence guard's work.
    const exits = journalLines(first).split('\n').filter((l) => l.includes('service.exited'));
    expect(exits.at(-1), journals()).toContain('SIGKILL');
    const lastOld = Math.max(...watch.log.filter((r) => r.who.includes(first.name)).map((r) => r.at));
    const firstNew = Math.min(...watch.log.filter((r) => r.who.includes(other.name)).map((r) => r.at));
    console.log(`SIGSTOP: last answer from ${first.name} -> first from ${other.name}: ${firstNew - lastOld} ms`);
    expect(firstNew).toBeGreaterThan(lastOld);
    const s = await api(first, 'GET', '/api/status');
    expect(s.body.services[0].placement).toMatchObject({ active: false, holder: other.name });
    const start = await api(first, 'POST', '/api/services/gw/start');
    expect(start.status).toBe(409);
    expect(start.body.message).toContain(`standby: ${other.name} holds the lease`);
  }, 150_000);

  it('loss of quorum fences the active member and never makes two active (one member lost: test/cluster/etcd-member-loss.test.ts)', async () => {
    const [a, b] = await twoMembers();
    const after = await activeMember([a, b]);
    const other = after === a ? b : a;
    const watch = watchAnswers([a, b]);
    await env.etcd.kill(0);
    // Quorum lost (2 of 3 down): nobody can renew; the active member stops its instance before the lease could expire.
    await env.etcd.kill(1);
    await waitFor(async () => (await ask(after.servicePort)) === null, { timeoutMs: TTL_MS + 5000, intervalMs: 50, message: () => 'the active member to fence itself' });
    await sleep(TTL_MS);
    expect(await ask(other.servicePort)).toBeNull();
    // Quorum back: one member becomes active again.
    await env.etcd.start(0);
    // Healthy before the next test starts: a cluster still electing answered its first calls slowly.
    await env.etcd.startHealthy(1);
    await activeMember([a, b], 60_000);
    await watch.stop();
    expect(watch.overlaps).toEqual([]);
  }, 180_000);

  it('cluster move: the active member hands over on a clean stop; the gap without an answer is measured and bounded', async () => {
    const [a, b] = await twoMembers();
    const first = await activeMember([a, b]);
    const other = first === a ? b : a;
    // The first member can serve before the other has joined (a move to a member not yet live is a 409, rightly).
    await waitFor(async () => ((await api(first, 'GET', '/api/cluster')).body.members as Array<{ member: string }>).some((m) => m.member === other.name), {
      timeoutMs: 20_000,
      message: () => `${other.name} to be a live member`,
    });
    const watch = watchAnswers([a, b]);
    const moved = await api(first, 'POST', `/api/cluster/move?service=gw&to=${other.name}`);
    expect(moved.status, JSON.stringify(moved.body)).toBe(202);
    await waitFor(() => ask(other.servicePort), { timeoutMs: 30_000, intervalMs: 20, message: () => `${other.name} to serve after the move` });
    await sleep(500);
    await watch.stop();
    expect(watch.overlaps).toEqual([]);
    const lastOld = Math.max(...watch.log.filter((r) => r.who.includes(first.name)).map((r) => r.at));
    const firstNew = Math.min(...watch.log.filter((r) => r.who.includes(other.name)).map((r) => r.at));
    const gapMs = firstNew - lastOld;
    console.log(`cluster move gap (no answer): ${gapMs} ms`);
    expect(gapMs).toBeGreaterThan(0);
    // The old instance's clean stop + the target's poll + its start (a Node process: 1-2 s on a loaded 2-core box).
    expect(gapMs).toBeLessThan(8000);
    const st = await api(other, 'GET', '/api/cluster');
    expect(st.body.services[0].lastFailover).toMatchObject({ from: first.name, to: other.name, kind: 'move' });
    // An unknown member is not found (404, exit 4), as an unknown service is.
    const bad = await api(other, 'POST', '/api/cluster/move?service=gw&to=nobody');
    expect(bad.status).toBe(404);
  }, 120_000);

  it('the ladder across members: a member whose service reaches Level 4 gives it up; the other runs it and names the incident', async () => {
    // Member a's copy serves a while, then exits 78 (a config problem); with no doctor it goes straight to Level 4.
    const prefix = `t${process.pid}-${++run}`;
    const opts = { endpoints: env.etcd.endpoints, prefix, leaseTtl: `${TTL_MS / 1000}s`, service: { doctor: { attempts: 0 } } };
    const a = await startMember('a', { ...opts, env: { FAIL_EXIT: '78', FAIL_AFTER_MS: '12000' } });
    env.members = [a];
    await waitFor(() => ask(a.servicePort), { timeoutMs: 30_000, intervalMs: 50, message: () => `a to serve:\n${journalLines(a)}` });
    const b = await startMember('b', opts);
    env.members = [a, b];
    await waitFor(async () => (await api(b, 'GET', '/api/cluster')).body.services[0].leader === 'a', { timeoutMs: 20_000, message: () => 'b to see a as the leader' });
    const watch = watchAnswers([a, b]);
    await waitFor(() => ask(b.servicePort), { timeoutMs: 60_000, intervalMs: 50, message: () => `b to serve:\n${journalLines(a)}\n${journalLines(b)}` });
    const aLines = journalLines(a);
    expect(aLines, aLines).toContain('incident.escalated');
    const st = await waitFor(async () => {
      const r = await api(b, 'GET', '/api/cluster');
      return r.body.services[0].lastFailover?.incident ? r.body : undefined;
    }, { timeoutMs: 20_000, message: () => 'the failover record with the incident' });
    const incidentId = st.services[0].lastFailover.incident.id as string;
    expect(st.services[0].lastFailover).toMatchObject({ from: 'a', to: 'b', kind: 'failover' });
    expect(aLines).toContain(incidentId);
    expect(journalLines(b).split('\n').some((l) => l.includes('cluster.failover') && l.includes(incidentId))).toBe(true);
    // a, held for a human, does not campaign again while b serves.
    await sleep(2 * TTL_MS);
    await watch.stop();
    expect(watch.overlaps).toEqual([]);
    expect(await ask(b.servicePort)).not.toBeNull();
    expect(await ask(a.servicePort)).toBeNull();
  }, 150_000);
});
