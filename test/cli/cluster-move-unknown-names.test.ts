// `cluster move` answered its two unknown names two ways: "no singleton service named X" exited 4 (not-found) and
// "no live member named X" exited 1 (refused). Both are unknown names: exit 4, as README's exit-code table says.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { ETCD_BIN, startEtcdCluster, type EtcdCluster } from '../cluster/etcd-cluster.js';

describe.skipIf(!existsSync(ETCD_BIN))('cluster move with an unknown name (real etcd, real daemon)', () => {
  let etcd: EtcdCluster | undefined;
  let td: TestDaemon | undefined;
  beforeAll(async () => {
    etcd = await startEtcdCluster(1);
    td = await startTestDaemon({
      cluster: { member: 'solo', endpoints: etcd.endpoints, leaseTtl: '10s', prefix: `moveunknown-${process.pid}` },
      services: [{ name: 'gw', placement: 'singleton', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }],
    });
    const rt = td.daemon.runtimes.get('gw')!;
    await waitFor(() => rt.status().state === 'running', { timeoutMs: 30_000, message: () => `gw to run: ${JSON.stringify(rt.status())}` });
  }, 90_000);
  afterAll(async () => {
    await td?.stop();
    await etcd?.stop();
  });

  it('exits 4 (not-found) for an unknown service and for an unknown member alike', async () => {
    const cases: Array<[string[], string]> = [
      [['cluster', 'move', 'nope', '--to', 'solo'], 'no singleton service named "nope"'],
      [['cluster', 'move', 'gw', '--to', 'nobody'], 'no live member named "nobody" (live: solo)'],
    ];
    for (const [args, said] of cases) {
      const r = await runCli(['--state-dir', td!.stateDir, ...args], { timeoutMs: 30_000 });
      expect(r.code, r.stderr).toBe(4);
      expect(r.stderr).toContain(said);
      const j = await runCli(['--state-dir', td!.stateDir, ...args, '--json'], { timeoutMs: 30_000 });
      expect(j.code, j.stderr).toBe(4);
      expect(JSON.parse(j.stdout)).toMatchObject({ ok: false, error: { kind: 'not-found', exitCode: 4 } });
    }
    // Nothing moved: the service still runs here.
    expect(td!.daemon.runtimes.get('gw')!.status().state).toBe('running');
  }, 90_000);
});
