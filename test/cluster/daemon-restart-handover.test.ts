// A daemon restart that leaves its singleton running (systemctl restart, SIGUSR2, an upgrade): never two members answer.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnMarked, waitFor } from '../helpers/processes.js';
import { MAIN, activeMember, ask, journalLines, startMember, watchAnswers, etcdForMembers, type Member } from './cluster-members.js';

const TTL_MS = 5000;
const env = etcdForMembers(1);
let run = 0;

/** Starts the member's daemon again on its config and state directory (as systemd does after a restart's SIGTERM). */
async function restartDaemon(m: Member): Promise<void> {
  m.daemon = spawnMarked(process.execPath, [MAIN, '--config', path.join(m.dir, 'clawback.yaml'), '--state-dir', m.stateDir, 'run', '--api-port', '0'], { env: { CLUSTER_TEST_TAG: `${m.tag}-daemon` } });
  await waitFor(() => existsSync(path.join(m.stateDir, 'daemon.json')), { timeoutMs: 40_000, intervalMs: 50, message: () => `daemon ${m.name} to start again: ${m.daemon.stderr().slice(-2000)}` });
}

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

  it('a daemon restart that leaves the singleton running takes its own lease over: the same instance serves on, no gap, same token', async () => {
    const prefix = `r${process.pid}-${++run}`;
    // The next daemon must renew before the old guard's deadline (last renewal + TTL - margin): 3-4 s at a 5 s TTL was
    // less than a daemon's start under the full suite on 2 cores (4.6 s from stop to start once), and 8 s at a 10 s TTL
    // was too (8.3 s at load 27); at 30 s it has 18 s or more (renewals every 6 s, the kill at 24 s).
    const ttlMs = 6 * TTL_MS;
    const opts = { endpoints: env.etcd.endpoints, prefix, leaseTtl: `${ttlMs / 1000}s` };
    const [a, b] = await Promise.all([startMember('a', opts), startMember('b', opts)]);
    env.members = [a, b];
    const first = await activeMember([a, b]);
    const other = first === a ? b : a;
    const before = await ask(first.servicePort);
    const watch = watchAnswers([a, b]);
    try {
      first.daemon.signal('SIGUSR2');
      await first.daemon.waitForExit(20_000);
      const exitedAt = Date.now();
      await restartDaemon(first);
      // Past the old lease's expiry and the old guard's deadline (both before the exit + TTL: the last renewal was sent
      // before the exit): the instance must still be the one serving.
      await new Promise((r) => setTimeout(r, Math.max(0, exitedAt + ttlMs + 2000 - Date.now())));
    } finally {
      await watch.stop();
    }
    const journals = `${journalLines(first)}\n${journalLines(other)}`;
    expect(watch.overlaps, journals).toEqual([]);
    // The longest run of polls in which nobody answered (a 200 ms reply timeout on a loaded machine is one miss, not a stop).
    let longest = 0;
    let downSince: number | null = null;
    for (const l of watch.log) {
      if (l.who.length === 0) downSince ??= l.at;
      else if (downSince !== null) {
        longest = Math.max(longest, l.at - downSince);
        downSince = null;
      }
    }
    if (downSince !== null) longest = Infinity;
    expect(longest, journals).toBeLessThan(1000);
    // The same instance (same fencing token), adopted, never stopped.
    expect(await ask(first.servicePort)).toBe(before);
    expect(journalLines(first)).toMatch(/took over the lease of its previous daemon/);
    expect(journalLines(first)).not.toMatch(/service\.exited/);
    expect(await ask(other.servicePort)).toBeNull();
  }, 120_000);
});
