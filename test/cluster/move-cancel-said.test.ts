// A move withdrawn after the leader had stopped its instance for the handover: the leader kept the service and started
// its instance again, but the person saw only "gw already runs on a"; `clawback cluster status` showed nothing of it and
// the journal said "starts again here" without saying the instance had been stopped for the move. All three say it now.
import { describe, expect, it } from 'vitest';
import { MAIN, activeMember, api, ask, journalLines, startMember, etcdForMembers } from './cluster-members.js';
import { spawnMarked, waitFor } from '../helpers/processes.js';

const env = etcdForMembers(1);

describe('a move withdrawn during the handover is said (real etcd, real daemons, real CLI)', () => {
  it('the answer, the journal and `cluster status` say the instance was stopped for the move and runs again', async () => {
    // The instance takes 3 s to stop (grace 6 s): the handover is under way long enough to be withdrawn.
    const opts = { endpoints: env.etcd.endpoints, prefix: `mcs${process.pid}`, leaseTtl: '5s', env: { SLOW_STOP_MS: '3000' }, service: { stop: { grace: '6s' } } };
    const [a, b] = await Promise.all([startMember('a', opts), startMember('b', opts)]);
    env.members = [a, b];
    const first = await activeMember([a, b]);
    const other = first === a ? b : a;
    await waitFor(async () => ((await api(first, 'GET', '/api/cluster')).body.members as Array<{ member: string }>).some((m) => m.member === other.name), {
      timeoutMs: 20_000,
      message: () => `${other.name} to be a live member`,
    });
    const there = await api(first, 'POST', `/api/cluster/move?service=gw&to=${other.name}`);
    expect(there.status, JSON.stringify(there.body)).toBe(202);
    await waitFor(() => journalLines(first).includes('moving to'), { timeoutMs: 20_000, intervalMs: 50, message: () => journalLines(first) });
    const back = await api(other, 'POST', `/api/cluster/move?service=gw&to=${first.name}`);
    expect(back.status, JSON.stringify(back.body)).toBe(200);
    // The answer says the leader may have begun and where to look.
    expect(JSON.stringify(back.body)).toContain(`if ${first.name} had already begun the handover, it keeps gw and starts its instance again`);
    // The service is served again by the same member.
    await waitFor(async () => (await ask(first.servicePort, 1000)) !== null && journalLines(first).includes('withdrawn during the handover'), {
      timeoutMs: 60_000,
      intervalMs: 100,
      message: () => `the service to be served again\n${journalLines(first)}\n${journalLines(other)}`,
    });
    expect(journalLines(first)).toContain(`${other.name} never took it: it stays on ${first.name}`);
    // The status API and the CLI say what became of the move, and that the instance runs again.
    const status = await waitFor(
      async () => {
        const s = (await api(first, 'GET', '/api/cluster')).body as { services: Array<{ withdrawnMove?: { to: string; running: boolean } | null }> };
        return s.services[0]?.withdrawnMove?.running ? s : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 100, message: () => journalLines(first) },
    );
    expect(status.services[0]?.withdrawnMove?.to).toBe(other.name);
    const cli = spawnMarked(process.execPath, [MAIN, '--state-dir', first.stateDir, 'cluster', 'status']);
    await cli.waitForExit(30_000);
    expect(cli.stdout()).toContain(`gw: the move to ${other.name} was withdrawn during the handover at `);
    expect(cli.stdout()).toContain(`it stayed on ${first.name}, whose instance had stopped for it: running again`);
    expect(await ask(other.servicePort)).toBeNull();
  }, 120_000);
});
