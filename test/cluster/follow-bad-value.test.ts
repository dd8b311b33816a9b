// A malformed /config/<service> value in etcd (not JSON, or JSON without the content): the winner started with its own
// config and nobody was told why the leader's newest good config was not taken. Now the journal names the key and why.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Etcd3 } from 'etcd3';
import { clusterSchema } from '../../src/cluster/cluster-schema.js';
import { connectEtcd } from '../../src/cluster/etcd-connect.js';
import { configFollower } from '../../src/cluster/config-follow.js';
import { serviceSchema } from '../../src/config/schema.js';
import { EventBus, type ClawbackEvent } from '../../src/observe/events.js';
import { systemClock } from '../../src/platform/clock.js';
import { startEtcdCluster, type EtcdCluster } from './etcd-cluster.js';

let etcd: EtcdCluster;
let client: Etcd3;
const root = mkdtempSync(path.join(os.tmpdir(), 'clawback-follow-bad-'));

beforeAll(async () => {
  etcd = await startEtcdCluster(1);
  client = await connectEtcd(clusterSchema.parse({ member: 'test', endpoints: etcd.endpoints }));
}, 90_000);

afterAll(async () => {
  client?.close();
  await etcd?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('a malformed shared config in etcd (real etcd)', () => {
  it.each([
    ['not JSON', '{"member": "a", "content": ', 'not JSON'],
    ['JSON without content', JSON.stringify({ member: 'a', savedAt: 1, sha256: 'x' }), '"content"'],
    ['content that is not valid JSON', JSON.stringify({ member: 'a', savedAt: 1, sha256: 'x', content: '{"gateway":' }), 'not valid json'],
  ])('%s: not taken, the file is untouched, and the journal names the key and why', async (_what, value, why) => {
    const dir = mkdtempSync(path.join(root, 'm-'));
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'gateway.json');
    writeFileSync(file, '{"gateway":{"port":2222}}');
    const prefix = `followbad-${process.pid}-${path.basename(dir)}`;
    const cluster = clusterSchema.parse({ member: 'b', endpoints: etcd.endpoints, prefix });
    const service = serviceSchema.parse({ name: 'gw', command: ['node'], placement: 'singleton', configFile: { path: file } });
    const key = `/${prefix}/config/gw`;
    await client.put(key).value(value).exec();
    const bus = new EventBus();
    const events: ClawbackEvent[] = [];
    const f = configFollower({ client, cluster, service, clock: systemClock(), emit: (e) => events.push(e), bus, stateDir: path.join(dir, 'state') });
    await f.apply();
    f.stop();
    expect(readFileSync(file, 'utf8')).toBe('{"gateway":{"port":2222}}');
    const note = events.find((e) => e.details?.action === 'cluster-follow-skipped');
    expect(note?.severity).toBe('warning');
    expect(note?.message).toContain(key);
    expect(note?.message).toContain(why);
    expect(note?.details?.key).toBe(key);
  }, 30_000);
});
