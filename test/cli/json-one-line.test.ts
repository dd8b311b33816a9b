// `cluster status --json` (and `status`, `incidents`, `incident`, `doctor`, `drill`) printed indented JSON over many
// lines while the change commands and every --json error answer on one line: a script reading one line per answer
// (`read -r`, a log shipper, `| head -1`) got `{`. Every --json answer is one line now, and parses whole.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { FIXTURES, NODE, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { ETCD_BIN, startEtcdCluster, type EtcdCluster } from '../cluster/etcd-cluster.js';

/** The answer is exactly one line of JSON: parsed, and nothing after its newline. */
function oneLine(stdout: string): unknown {
  expect(stdout.endsWith('\n'), stdout).toBe(true);
  expect(stdout.slice(0, -1), stdout).not.toContain('\n');
  return JSON.parse(stdout);
}

describe('a --json answer that succeeds', () => {
  it('is one line for incidents and incident', async () => {
    const stateDir = path.join(tempDir(), 'state');
    mkdirSync(stateDir);
    const now = Date.now();
    const ev = (type: string, time: number, details: Record<string, unknown>): string =>
      JSON.stringify({ type, time, severity: 'warning', message: type, service: 'web', incidentId: 'inc-1', level: 0, details });
    writeFileSync(path.join(stateDir, 'journal.jsonl'), `${ev('incident.opened', now - 2000, { reason: 'process ended', firstSignalAt: now - 2000 })}\n${ev('incident.resolved', now - 1000, { ttrMs: 1000, highestLevel: 0, outcome: 'auto-resolved', reason: 'process ended' })}\n`);
    const list = await runCli(['--state-dir', stateDir, 'incidents', '--json'], { timeoutMs: 20_000 });
    expect(list.code, list.stderr).toBe(0);
    expect(oneLine(list.stdout)).toMatchObject([{ id: 'inc-1' }]);
    const one = await runCli(['--state-dir', stateDir, 'incident', 'inc-1', '--json'], { timeoutMs: 20_000 });
    expect(one.code, one.stderr).toBe(0);
    expect(oneLine(one.stdout)).toMatchObject({ id: 'inc-1', outcome: 'auto-resolved' });
  }, 60_000);

  it('is one line for doctor', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'clawback.yaml');
    writeFileSync(file, `services:\n  - name: web\n    command: [${JSON.stringify(NODE)}, ${JSON.stringify(path.join(FIXTURES, 'sleeper.mjs'))}]\n`);
    const r = await runCli(['--config', file, '--state-dir', path.join(dir, 'state'), 'doctor', '--json'], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBeLessThan(3);
    expect(oneLine(r.stdout)).toMatchObject({ services: [{ service: 'web' }] });
  }, 90_000);

  describe.skipIf(!existsSync(ETCD_BIN))('of a daemon in a cluster', () => {
    let etcd: EtcdCluster | undefined;
    let td: TestDaemon | undefined;
    beforeAll(async () => {
      etcd = await startEtcdCluster(1);
      td = await startTestDaemon({
        cluster: { member: 'solo', endpoints: etcd.endpoints, leaseTtl: '10s', prefix: `oneline-${process.pid}` },
        services: [{ name: 'gw', placement: 'singleton', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }],
      });
      const rt = td.daemon.runtimes.get('gw')!;
      await waitFor(() => rt.status().state === 'running', { timeoutMs: 30_000, message: () => `gw to run: ${JSON.stringify(rt.status())}` });
    }, 90_000);
    afterAll(async () => {
      await td?.stop();
      await etcd?.stop();
    });

    it('is one line for cluster status and status', async () => {
      const cl = await runCli(['--state-dir', td!.stateDir, 'cluster', 'status', '--json'], { timeoutMs: 20_000 });
      expect(cl.code, cl.stderr).toBe(0);
      expect(oneLine(cl.stdout)).toMatchObject({ member: 'solo', services: [{ service: 'gw' }] });
      const st = await runCli(['--state-dir', td!.stateDir, 'status', '--json'], { timeoutMs: 20_000 });
      expect(st.code, st.stderr).toBe(0);
      expect(oneLine(st.stdout)).toMatchObject({ services: [{ name: 'gw' }] });
    }, 60_000);
  });
});
