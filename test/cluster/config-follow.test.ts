// Config follows the leader, on a real etcd: the leader's last-known-good goes to etcd, a winner writes it, protected settings kept.
import { chmodSync, chownSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
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
import { sha256 } from '../../src/platform/config-file.js';
import { waitFor } from '../helpers/processes.js';
import { startEtcdCluster, type EtcdCluster } from './etcd-cluster.js';

let etcd: EtcdCluster;
let client: Etcd3;
const root = mkdtempSync(path.join(os.tmpdir(), 'clawback-follow-'));

beforeAll(async () => {
  etcd = await startEtcdCluster(1);
  client = await connectEtcd(clusterSchema.parse({ member: 'test', endpoints: etcd.endpoints }));
}, 90_000);

afterAll(async () => {
  client?.close();
  await etcd?.stop();
  rmSync(root, { recursive: true, force: true });
});

function member(name: string, content: unknown, maxBytes = 256 * 1024) {
  const dir = path.join(root, name);
  const file = path.join(dir, 'gateway.json');
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, JSON.stringify(content, null, 2));
  const cluster = clusterSchema.parse({ member: name, endpoints: etcd.endpoints, prefix: `follow-${process.pid}`, configMaxBytes: maxBytes });
  const service = serviceSchema.parse({ name: 'gw', command: ['node'], placement: 'singleton', configFile: { path: file, protect: ['gateway.port'] } });
  const bus = new EventBus();
  const events: ClawbackEvent[] = [];
  bus.subscribe((e) => events.push(e));
  const f = configFollower({ client, cluster, service, clock: systemClock(), emit: (e) => bus.emit(e), bus, stateDir: path.join(dir, 'state') });
  const snapshot = (): void =>
    bus.emit({ type: 'config.snapshot', time: Date.now(), severity: 'info', service: 'gw', message: 'seen healthy', details: { kind: 'last-known-good', sha256: sha256(readFileSync(file)) } });
  return { file, dir, f, bus, events, snapshot, cluster };
}


describe('config follows the leader (real etcd)', () => {
  it('a winner takes the leader\'s newest good config and keeps its own protected settings', async () => {
    const a = member('a', { gateway: { port: 1111, mode: 'local' }, feature: 'new' });
    const b = member('b', { gateway: { port: 2222 }, feature: 'old' });
    a.snapshot();
    const key = `/follow-${process.pid}/config/gw`;
    await waitFor(async () => (await client.get(key).string()) !== null, { timeoutMs: 10_000, message: () => 'the config in etcd' });
    await b.f.apply();
    const written = JSON.parse(readFileSync(b.file, 'utf8'));
    expect(written).toEqual({ gateway: { port: 2222, mode: 'local' }, feature: 'new' });
    const note = b.events.find((e) => e.details?.action === 'cluster-config-followed');
    expect(note?.message).toContain('kept this member\'s gateway.port');
    // The member's old file was snapshotted first (evidence, and a way back).
    expect(readdirSync(path.join(b.dir, 'state', 'snapshots', 'gw')).some((n) => n.startsWith('pre-repair--'))).toBe(true);
    a.f.stop();
    b.f.stop();
  });

  it("a winner's config owned by the service's user keeps its owner and mode, through its symlink; a hard-linked one is not split", async () => {
    const a = member('d', { gateway: { port: 1111, mode: 'local' }, feature: 'newest' });
    const b = member('e', { gateway: { port: 2222 }, feature: 'old' });
    // b's config is a link to a file in the user's dotfiles, owned by the service's user (the daemon runs as root).
    const real = path.join(b.dir, 'dotfiles', 'gateway.json');
    mkdirSync(path.dirname(real));
    renameSync(b.file, real);
    symlinkSync(real, b.file);
    chownSync(real, 4242, 4243);
    chmodSync(real, 0o640);
    a.snapshot();
    const key = `/follow-${process.pid}/config/gw`;
    await waitFor(async () => JSON.parse((await client.get(key).string()) ?? '{}').member === 'd', { timeoutMs: 10_000, message: () => "d's config in etcd" });
    await b.f.apply();
    expect(JSON.parse(readFileSync(real, 'utf8'))).toEqual({ gateway: { port: 2222, mode: 'local' }, feature: 'newest' });
    expect(lstatSync(b.file).isSymbolicLink()).toBe(true);
    const st = statSync(real);
    expect({ uid: st.uid, gid: st.gid, mode: st.mode & 0o777 }).toEqual({ uid: 4242, gid: 4243, mode: 0o640 });
    // A second name for the file: a rename would leave it with the old bytes. Refused, said, nothing split.
    const other = path.join(b.dir, 'gateway-shared.json');
    linkSync(real, other);
    writeFileSync(real, JSON.stringify({ gateway: { port: 2222 }, feature: 'older' }));
    await b.f.apply();
    expect(statSync(other).ino).toBe(statSync(real).ino);
    expect(JSON.parse(readFileSync(other, 'utf8')).feature).toBe('older');
    expect(b.events.find((e) => e.details?.action === 'cluster-follow-skipped')?.message).toContain('has 2 hard links');
    a.f.stop();
    b.f.stop();
  });

  it('a config larger than configMaxBytes is not shared, and says so', async () => {
    const big = member('c', { gateway: { port: 1 }, blob: 'x'.repeat(4000) }, 1024);
    const before = await client.get(`/follow-${process.pid}/config/gw`).string();
    big.snapshot();
    await waitFor(() => big.events.some((e) => e.details?.action === 'cluster-share-skipped'), { timeoutMs: 10_000, message: () => 'the skip notice' });
    expect(await client.get(`/follow-${process.pid}/config/gw`).string()).toBe(before);
    big.f.stop();
  });
});
