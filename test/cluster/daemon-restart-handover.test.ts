// A daemon restart that leaves its singleton running (systemctl restart, SIGUSR2, an upgrade): never two members answer.
import { describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/processes.js';
import { activeMember, ask, journalLines, startMember, watchAnswers, etcdForMembers } from './cluster-members.js';

const TTL_MS = 5000;
const env = etcdForMembers(1);
let run = 0;

describe('daemon restart of the active member (real etcd, real daemons)', () => {
  it('a daemon leaving its singleton running keeps its lease: the standby starts only after the guard killed the old instance', async () => {
    const prefix = `r${process.pid}-${++run}`;
    const opts = { endpoints: env.etcd.endpoints, prefix, leaseTtl: `${TTL_MS / 1000}s` };
    const [a, b] = await Promise.all([startMember('a', opts), startMember('b', opts)]);
    env.members = [a, b];
    const first = await activeMember([a, b]);
    const other = first === a ? b : a;
    const watch = watchAnswers([a, b]);
    try {
      // SIGUSR2: the daemon exits and leaves its services running for the next daemon (as SIGTERM under systemd).
      first.daemon.signal('SIGUSR2');
      await first.daemon.waitForExit(20_000);
      // No next daemon comes (a slow upgrade): the guard fences the old instance before the lease can expire, then the standby takes over.
      await waitFor(() => ask(other.servicePort), { timeoutMs: 30_000, intervalMs: 50, message: () => `${other.name} to take over\n${journalLines(first)}\n${journalLines(other)}` });
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      await watch.stop();
    }
    const both = watch.overlaps.map((o) => `${new Date(o.at).toISOString().slice(11, 23)} ${o.who.join('+')}`);
    expect(both, `${both.length} polls saw both answer\n${journalLines(first)}\n${journalLines(other)}`).toEqual([]);
    expect(await ask(first.servicePort)).toBeNull();
  }, 120_000);

  it('a daemon that stops its singleton (SIGINT) still gives its lease back: the standby takes over well within the TTL', async () => {
    const prefix = `r${process.pid}-${++run}`;
    const opts = { endpoints: env.etcd.endpoints, prefix, leaseTtl: `${TTL_MS / 1000}s` };
    const [a, b] = await Promise.all([startMember('a', opts), startMember('b', opts)]);
    env.members = [a, b];
    const first = await activeMember([a, b]);
    const other = first === a ? b : a;
    first.daemon.signal('SIGINT');
    await first.daemon.waitForExit(20_000);
    const exitedAt = Date.now();
    await waitFor(() => /cluster\.leader/.test(journalLines(other)), { timeoutMs: 30_000, intervalMs: 20, message: () => `${other.name} to win\n${journalLines(first)}\n${journalLines(other)}` });
    // Left to expire, the lease would last until its last renewal + TTL (at least TTL - TTL/5 - the stop after the exit).
    expect(Date.now() - exitedAt).toBeLessThan(TTL_MS / 2);
    await waitFor(() => ask(other.servicePort), { timeoutMs: 30_000, intervalMs: 50, message: () => `${other.name} to serve` });
  }, 120_000);
});
