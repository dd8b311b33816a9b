// A drill against a cluster singleton (real etcd, two member daemons): the standby member has nothing to break and must
// say so (not "stopped; start it first", which `clawback start` then refuses), and the active member's daemon-kill is
// the cluster's failover, not a guardian revival: skipped with why, the daemon left alive.
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { isRunning } from '../helpers/processes.js';
import { api, etcdForMembers, startMember } from '../cluster/cluster-members.js';

describe('drill on a cluster singleton', () => {
  const env = etcdForMembers(1);

  it('refuses on the standby naming the holder; skips daemon-kill on the active member and leaves its daemon alone', async () => {
    const prefix = `drill-cluster-${process.pid}`;
    const opts = { endpoints: env.etcd.endpoints, prefix, service: { drillable: true } };
    const a = await startMember('a', opts);
    env.members.push(a);
    const b = await startMember('b', opts);
    env.members.push(b);
    let active: typeof a | undefined;
    for (let i = 0; i < 200 && !active; i++) {
      for (const m of [a, b]) {
        const st = await api(m, 'GET', '/api/status').catch(() => undefined);
        const s = st?.body?.services?.[0];
        if (s?.placement?.active && s.pid) active = m;
      }
      if (!active) await new Promise((r) => setTimeout(r, 100));
    }
    expect(active).toBeDefined();
    const standby = active === a ? b : a;
    for (let i = 0; i < 200; i++) {
      const s = (await api(standby, 'GET', '/api/status')).body.services[0];
      if (s.placement?.holder === active!.name) break;
      await new Promise((r) => setTimeout(r, 100));
    }

    const onStandby = await runCli(['drill', 'crash', '--yes', '--state-dir', standby.stateDir], { timeoutMs: 60_000 });
    expect(onStandby.code).toBe(2);
    expect(onStandby.stderr).toContain('cluster singleton standing by');
    expect(onStandby.stderr).toContain(`member ${active!.name} holds its lease`);
    expect(onStandby.stderr).not.toContain('clawback start');

    const onActive = await runCli(['drill', 'daemon-kill', '--yes', '--json', '--state-dir', active!.stateDir], { timeoutMs: 60_000 });
    expect(onActive.code).toBe(2);
    const report = JSON.parse(onActive.stdout) as { passed: boolean; trials: Array<{ scenario: string; skipped: string | null }> };
    expect(report.passed).toBe(false);
    expect(report.trials[0]!.skipped).toContain('cluster singleton');
    expect(isRunning(active!.daemon.ref)).toBe(true);
  }, 120_000);
});
