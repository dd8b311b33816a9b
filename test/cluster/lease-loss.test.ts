// A member whose lease vanishes in etcd (expired while it was cut off, or revoked) stops its instance, takes a new lease and wins again with a new token.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Etcd3 } from 'etcd3';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { startEtcdCluster, type EtcdCluster } from './etcd-cluster.js';

describe('lease lost in etcd', () => {
  let etcd: EtcdCluster;
  let td: TestDaemon | undefined;
  let client: Etcd3;

  beforeAll(async () => {
    etcd = await startEtcdCluster(1);
    client = new Etcd3({ hosts: etcd.endpoints });
  }, 90_000);
  afterAll(async () => {
    await td?.stop();
    client?.close();
    await etcd?.stop();
  });

  it('stops the instance, takes a new lease and starts again with a higher fencing token', async () => {
    td = await startTestDaemon({
      cluster: { member: 'solo', endpoints: etcd.endpoints, leaseTtl: '10s', prefix: `loss-${process.pid}`, pollInterval: '100ms' },
      services: [{ name: 'gw', placement: 'singleton', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')], stop: { grace: '1s' } }],
    });
    const rt = td.daemon.runtimes.get('gw')!;
    await waitFor(() => rt.status().state === 'running', { timeoutMs: 30_000, message: () => 'gw to run' });
    const firstPid = rt.status().pid;
    const firstToken = rt.status().placement!.fencingToken!;
    const api = td.daemon.api!;
    const before = (await (await fetch(`http://${api.host}:${api.port}/api/cluster`)).json()) as { leaseId: string };
    await client.leaseClient.leaseRevoke({ ID: before.leaseId });
    await waitFor(() => rt.status().state === 'running' && rt.status().pid !== firstPid, { timeoutMs: 40_000, message: () => `gw to run again: ${JSON.stringify(rt.status())}` });
    expect(rt.status().placement!.fencingToken!).toBeGreaterThan(firstToken);
    const after = (await (await fetch(`http://${api.host}:${api.port}/api/cluster`)).json()) as { leaseId: string };
    expect(after.leaseId).not.toBe(before.leaseId);
    const types = td.events.map((e) => e.type);
    expect(types).toContain('cluster.standby');
    expect(types.filter((t) => t === 'cluster.leader').length).toBeGreaterThanOrEqual(2);
  }, 120_000);
});
