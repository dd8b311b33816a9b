// A reload changes placement (everywhere <-> singleton) on a real etcd; a cluster: change is refused; renewals do not rewrite state.json.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { Etcd3 } from 'etcd3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { reloadConfig } from '../../src/instances/config-reload.js';
import { startEtcdCluster, type EtcdCluster } from './etcd-cluster.js';

describe('placement and a reload; state.json and renewals (real etcd)', () => {
  let etcd: EtcdCluster;
  let client: Etcd3;
  let td: TestDaemon | undefined;
  let run = 0;

  beforeAll(async () => {
    etcd = await startEtcdCluster(1);
    client = new Etcd3({ hosts: etcd.endpoints });
  }, 90_000);
  afterEach(async () => {
    await td?.stop();
    td = undefined;
  });
  afterAll(async () => {
    client?.close();
    await etcd?.stop();
  });

  const config = (placement: 'everywhere' | 'singleton', prefix: string, leaseTtl = '5s'): { services: Array<Record<string, unknown>> } & Record<string, unknown> => ({
    cluster: { member: 'solo', endpoints: etcd.endpoints, leaseTtl, prefix, pollInterval: '100ms' },
    services: [{ name: 'gw', placement, command: [NODE, path.join(FIXTURES, 'sleeper.mjs')], stop: { grace: '1s' }, env: { CLAWBACK_TEST_CHILD: '1' } }],
  });
  const rewrite = (file: string, c: Record<string, unknown>): void => {
    const raw = YAML.parse(readFileSync(file, 'utf8')) as { services: Array<Record<string, unknown>> };
    writeFileSync(file, YAML.stringify({ ...raw, ...c, services: (c.services as Array<Record<string, unknown>>).map((s, i) => ({ ...raw.services[i], ...s })) }));
  };

  it('everywhere -> singleton joins the election (runs once it holds the lease); singleton -> everywhere frees the key; a cluster: change is refused', async () => {
    const prefix = `reload-${process.pid}-${++run}`;
    td = await startTestDaemon(config('everywhere', prefix));
    const rt = (): ReturnType<TestDaemon['daemon']['runtimes']['get']> => td!.daemon.runtimes.get('gw');
    await waitFor(() => rt()?.status().state === 'running', { timeoutMs: 30_000, message: () => 'gw to run (everywhere)' });
    expect(rt()!.status().placement).toBeUndefined();
    expect(await client.get(`/${prefix}/leader/gw`).string()).toBeNull();
    const everywherePid = rt()!.status().pid;

    rewrite(td.configFile, config('singleton', prefix));
    const toSingleton = await reloadConfig(td.daemon, 'test');
    expect(toSingleton.status, toSingleton.body.message).toBe(200);
    expect(toSingleton.body.changed).toEqual(['gw']);
    await waitFor(() => rt()?.status().state === 'running' && rt()!.status().placement?.active === true, { timeoutMs: 30_000, message: () => `gw to run as the singleton: ${JSON.stringify(rt()?.status())}` });
    expect(rt()!.status().pid).not.toBe(everywherePid);
    expect(await client.get(`/${prefix}/leader/gw`).string()).toBe('solo');
    const token = rt()!.status().placement!.fencingToken!;
    expect(token).toBeGreaterThan(0);
    expect(td.events.some((e) => e.type === 'service.started' && e.service === 'gw' && JSON.stringify(e).includes(String(token)))).toBe(true);

    // A changed singleton (here its env) keeps the seat: same lease, same token, a new instance.
    const beforeEnvPid = rt()!.status().pid;
    rewrite(td.configFile, { ...config('singleton', prefix), services: [{ env: { CLAWBACK_TEST_CHILD: '1', X: '1' } }] });
    expect((await reloadConfig(td.daemon, 'test')).status).toBe(200);
    await waitFor(() => rt()?.status().state === 'running' && rt()!.status().pid !== beforeEnvPid && rt()!.status().placement?.active === true, { timeoutMs: 30_000, message: () => `gw to run again: ${JSON.stringify(rt()?.status())}` });
    expect(rt()!.status().placement!.fencingToken).toBe(token);

    // Changing the cluster: block needs a restart: refused, nothing changed.
    const pidNow = rt()!.status().pid;
    rewrite(td.configFile, config('singleton', prefix, '6s'));
    const refused = await reloadConfig(td.daemon, 'test');
    expect(refused.status).toBe(409);
    expect(refused.body.message).toContain('cluster.leaseTtl');
    expect(refused.body.message).toContain('restart the daemon');
    expect(rt()!.status().pid).toBe(pidNow);
    expect(td.events.some((e) => e.type === 'config.reload-failed' && e.message.includes('cluster.leaseTtl'))).toBe(true);

    // Back to everywhere: no election, the key is freed, the service runs on its own.
    rewrite(td.configFile, config('everywhere', prefix));
    const toEverywhere = await reloadConfig(td.daemon, 'test');
    expect(toEverywhere.status, toEverywhere.body.message).toBe(200);
    await waitFor(() => rt()?.status().state === 'running' && rt()!.status().placement === undefined, { timeoutMs: 30_000, message: () => `gw to run everywhere: ${JSON.stringify(rt()?.status())}` });
    await waitFor(async () => (await client.get(`/${prefix}/leader/gw`).string()) === null, { timeoutMs: 10_000, message: () => 'the leader key to be freed' });
    // And it stays up: nothing of the old seat stops it.
    const pid = rt()!.status().pid;
    await new Promise((r) => setTimeout(r, 3000));
    expect(rt()!.status()).toMatchObject({ state: 'running', pid });
  }, 120_000);

  it('a singleton removed from the config frees its seat (the leader key), the other services go on', async () => {
    const prefix = `removed-${process.pid}-${++run}`;
    const c = config('singleton', prefix);
    c.services.push({ name: 'other', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')], env: { CLAWBACK_TEST_CHILD: '1' } });
    td = await startTestDaemon(c);
    const t = td;
    await waitFor(() => t.daemon.runtimes.get('gw')?.status().placement?.active === true, { timeoutMs: 30_000, message: () => 'gw to win its seat' });
    expect(await client.get(`/${prefix}/leader/gw`).string()).toBe('solo');
    const otherPid = t.daemon.runtimes.get('other')!.status().pid;
    const raw = YAML.parse(readFileSync(t.configFile, 'utf8')) as { services: Array<{ name: string }> };
    writeFileSync(t.configFile, YAML.stringify({ ...raw, services: raw.services.filter((s) => s.name !== 'gw') }));
    const r = await reloadConfig(t.daemon, 'test');
    expect(r.status, r.body.message).toBe(200);
    expect(r.body.removed).toEqual(['gw']);
    expect(t.daemon.runtimes.has('gw')).toBe(false);
    await waitFor(async () => (await client.get(`/${prefix}/leader/gw`).string()) === null, { timeoutMs: 10_000, message: () => "the removed singleton's leader key to be freed" });
    expect(t.daemon.runtimes.get('other')!.status()).toMatchObject({ state: 'running', pid: otherPid });
    expect(t.events.some((e) => e.type === 'cluster.standby' && e.service === 'gw' && e.details?.placement === 'removed')).toBe(true);
  }, 90_000);

  it('a lease renewal (every TTL/5) does not rewrite state.json; a real change does', async () => {
    const prefix = `writes-${process.pid}-${++run}`;
    td = await startTestDaemon(config('singleton', prefix));
    const rt = td.daemon.runtimes.get('gw')!;
    await waitFor(() => rt.status().state === 'running' && rt.status().placement?.active === true, { timeoutMs: 30_000, message: () => 'gw to run as the singleton' });
    const file = path.join(td.stateDir, 'state.json');
    // Let the start settle (its own writes), then watch: an atomic write replaces the file (a new inode).
    await new Promise((r) => setTimeout(r, 1500));
    const before = statSync(file);
    const textBefore = readFileSync(file, 'utf8');
    const pidBefore = rt.status().pid;
    const api = td.daemon.api!;
    const age0 = ((await (await fetch(`http://${api.host}:${api.port}/api/cluster`)).json()) as { leaseAgeMs: number }).leaseAgeMs;
    await new Promise((r) => setTimeout(r, 6000)); // 6 renewals at TTL 5 s
    const after = statSync(file);
    const status = (await (await fetch(`http://${api.host}:${api.port}/api/cluster`)).json()) as { leaseAgeMs: number };
    expect(status.leaseAgeMs).toBeLessThan(2500); // renewals went on
    expect(rt.status()).toMatchObject({ state: 'running', pid: pidBefore }); // and reached the reducer (no fence, no restart)
    expect({ ino: after.ino, mtime: after.mtimeMs }, `${textBefore}\n----\n${readFileSync(file, 'utf8')}`).toEqual({ ino: before.ino, mtime: before.mtimeMs });
    console.log(`state.json over 6 s of renewals (TTL 5 s): unchanged; lease age ${age0} -> ${status.leaseAgeMs} ms`);
    await rt.stop('human');
    // (By content: an inode number freed by one atomic write may come back with the next.)
    const desired = (): string => (JSON.parse(readFileSync(file, 'utf8')) as { services: { gw: { record: { desired: string } } } }).services.gw.record.desired;
    await waitFor(() => desired() === 'down', { timeoutMs: 10_000, message: () => `a stop to be written: ${readFileSync(file, 'utf8')}` });
    expect(statSync(file).mtimeMs).toBeGreaterThan(before.mtimeMs);
  }, 90_000);
});
