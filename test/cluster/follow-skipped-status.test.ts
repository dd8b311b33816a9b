// A malformed /config/<service> value in etcd: the winner started with its own config and said why only in the
// journal; `clawback status` (where a person looks) showed nothing. It now shows a line naming the key and why.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { clusterSchema } from '../../src/cluster/cluster-schema.js';
import { connectEtcd } from '../../src/cluster/etcd-connect.js';
import { MAIN, activeMember, api, journalLines, startMember, etcdForMembers } from './cluster-members.js';
import { spawnMarked, waitFor } from '../helpers/processes.js';

const env = etcdForMembers(1);

describe('a skipped config follow is shown by `clawback status` (real etcd, real daemon, real CLI)', () => {
  it('names the key and why', async () => {
    const prefix = `fss${process.pid}`;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'clawback-fss-'));
    const file = path.join(dir, 'gateway.json');
    writeFileSync(file, '{"gateway":{"port":2222}}');
    const key = `/${prefix}/config/gw`;
    const client = await connectEtcd(clusterSchema.parse({ member: 'x', endpoints: env.etcd.endpoints, prefix }));
    try {
      await client.put(key).value('{"member": "a", "content": ').exec();
    } finally {
      client.close();
    }
    const a = await startMember('a', { endpoints: env.etcd.endpoints, prefix, leaseTtl: '5s', service: { configFile: { path: file } } });
    env.members = [a];
    await activeMember([a]);
    await waitFor(() => journalLines(a).includes('config not taken from etcd'), { timeoutMs: 20_000, message: () => journalLines(a) });
    const status = (await api(a, 'GET', '/api/status')).body as { cluster?: { followSkipped?: Array<{ service: string; message: string }> } };
    expect(status.cluster?.followSkipped?.[0]?.service, JSON.stringify(status.cluster)).toBe('gw');
    const cli = spawnMarked(process.execPath, [MAIN, '--state-dir', a.stateDir, 'status']);
    await cli.waitForExit(30_000);
    expect(cli.stdout()).toContain(`CLUSTER CONFIG NOT FOLLOWED`);
    expect(cli.stdout()).toContain(`config not taken from etcd: the value at ${key} is not JSON`);
  }, 90_000);
});
