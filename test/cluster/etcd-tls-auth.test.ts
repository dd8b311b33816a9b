// TLS and auth to etcd on real etcd servers: certificates made with openssl here, auth enabled through the etcd API.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Etcd3 } from 'etcd3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { startEtcdCluster, type EtcdCluster } from './etcd-cluster.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'clawback-etcd-tls-'));
const f = (name: string): string => path.join(dir, name);

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { stdio: 'pipe' });
}

/** A CA, and a certificate it signs (server: for 127.0.0.1; client: for clientAuth). */
function makeCa(name: string): void {
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f(`${name}.key`), '-out', f(`${name}.pem`), '-days', '2', '-subj', `/CN=${name}`);
}
function makeCert(name: string, ca: string, ext: string): void {
  writeFileSync(f(`${name}.ext`), ext);
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', `/CN=${name}`);
  openssl('x509', '-req', '-in', f(`${name}.csr`), '-CA', f(`${ca}.pem`), '-CAkey', f(`${ca}.key`), '-CAcreateserial', '-out', f(`${name}.pem`), '-days', '2', '-extfile', f(`${name}.ext`));
}

const service = { name: 'gw', placement: 'singleton', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')], stop: { grace: '1s' } };
let td: TestDaemon | undefined;

afterEach(async () => {
  await td?.stop();
  td = undefined;
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Waits for the cluster.etcd-unreachable event and checks the daemon is up, the singleton stands by. */
async function degradedLoudly(t: TestDaemon): Promise<string> {
  const ev = await waitFor(() => t.events.find((e) => e.type === 'cluster.etcd-unreachable'), { timeoutMs: 20_000, message: () => `a cluster.etcd-unreachable event: ${t.events.map((e) => e.type).join(', ')}` });
  const rt = t.daemon.runtimes.get('gw')!;
  expect(rt.status().state).not.toBe('running');
  expect(rt.status().placement).toMatchObject({ active: false });
  const api = t.daemon.api!;
  const status = (await (await fetch(`http://${api.host}:${api.port}/api/status`)).json()) as { cluster: { etcdError: string } };
  expect(status.cluster.etcdError).toBe(ev.details?.error);
  expect(ev.severity).toBe('critical');
  return ev.message;
}

describe('etcd with client TLS (mutual)', () => {
  let etcd: EtcdCluster;
  beforeAll(async () => {
    makeCa('ca');
    makeCa('other-ca');
    makeCert('server', 'ca', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
    makeCert('client', 'ca', 'extendedKeyUsage=clientAuth\n');
    etcd = await startEtcdCluster(1, { tls: { cert: f('server.pem'), key: f('server.key'), clientCa: f('ca.pem') } });
  }, 120_000);
  afterAll(async () => {
    await etcd?.stop();
  });

  it('a member with the CA and a client certificate connects and wins the election', async () => {
    td = await startTestDaemon({ cluster: { member: 'tls', endpoints: etcd.endpoints, leaseTtl: '5s', prefix: `tls-${process.pid}`, tls: { ca: f('ca.pem'), cert: f('client.pem'), key: f('client.key') } }, services: [service] });
    const rt = td.daemon.runtimes.get('gw')!;
    await waitFor(() => rt.status().state === 'running' && rt.status().placement?.active === true, { timeoutMs: 30_000, message: () => `gw to run: ${JSON.stringify(rt.status())} ${td!.events.map((e) => e.message).join('\n')}` });
    expect(etcd.endpoints[0]).toMatch(/^https:/);
    // A slow first handshake on a loaded machine may be reported as unreachable; then it must be cleared.
    const said = td.events.filter((e) => e.type === 'cluster.etcd-unreachable' || e.type === 'cluster.etcd-reachable').map((e) => `${e.type}: ${e.message}`);
    if (said.length > 0) expect(said.at(-1), said.join('\n')).toMatch(/^cluster.etcd-reachable/);
  }, 60_000);

  it('a wrong CA: the daemon runs, the singleton stands by, the error names cluster.tls.ca and what was expected', async () => {
    td = await startTestDaemon({ cluster: { member: 'tls', endpoints: etcd.endpoints, leaseTtl: '5s', prefix: `tls-bad-${process.pid}`, tls: { ca: f('other-ca.pem'), cert: f('client.pem'), key: f('client.key') } }, services: [service] });
    const message = await degradedLoudly(td);
    expect(message).toContain('cluster.tls.ca');
    expect(message).toContain('expected cluster.tls.ca');
    expect(message).toContain(f('other-ca.pem'));
  }, 60_000);

  it('a CA file that is not PEM is refused at start with the field and the path', async () => {
    writeFileSync(f('not-pem.txt'), 'hello');
    await expect(startTestDaemon({ cluster: { member: 'tls', endpoints: etcd.endpoints, prefix: `tls-np-${process.pid}`, tls: { ca: f('not-pem.txt') } }, services: [service] })).rejects.toThrow(/cluster\.tls\.ca: ".*not-pem\.txt" is not PEM; expected/);
  }, 30_000);
});

describe('etcd with auth enabled', () => {
  let etcd: EtcdCluster;
  beforeAll(async () => {
    etcd = await startEtcdCluster(1);
    // As `etcdctl user add root; etcdctl auth enable` does (etcd 3.4 wants the root role on root).
    const admin = new Etcd3({ hosts: etcd.endpoints });
    await admin.role('root').create();
    await admin.user('root').create('s3cret-root');
    await admin.user('root').addRole('root');
    await admin.auth.authEnable();
    admin.close();
  }, 90_000);
  afterAll(async () => {
    await etcd?.stop();
  });

  it('the right password: the member connects and wins the election', async () => {
    // The daemon runs in this process: its passwordEnv is read from this environment.
    process.env.CLAWBACK_TEST_ETCD_PW = 's3cret-root';
    td = await startTestDaemon({ cluster: { member: 'auth', endpoints: etcd.endpoints, leaseTtl: '5s', prefix: `auth-${process.pid}`, auth: { username: 'root', passwordEnv: 'CLAWBACK_TEST_ETCD_PW' } }, services: [service] });
    delete process.env.CLAWBACK_TEST_ETCD_PW;
    const rt = td.daemon.runtimes.get('gw')!;
    await waitFor(() => rt.status().state === 'running' && rt.status().placement?.active === true, { timeoutMs: 30_000, message: () => `gw to run: ${JSON.stringify(rt.status())} ${td!.events.map((e) => e.message).join('\n')}` });
  }, 60_000);

  it('a wrong password: the daemon runs, the singleton stands by, the error names cluster.auth and the user; the password is not shown', async () => {
    td = await startTestDaemon({ cluster: { member: 'auth', endpoints: etcd.endpoints, leaseTtl: '5s', prefix: `auth-bad-${process.pid}`, auth: { username: 'root', password: 'not-the-password' } }, services: [service] });
    const message = await degradedLoudly(td);
    expect(message).toContain('cluster.auth (user "root") was refused by etcd');
    expect(message).toContain('expected the password of that etcd user');
    expect(message).not.toContain('not-the-password');
  }, 60_000);

  it('cluster.tls with the http:// endpoints of this plain etcd: the error names the scheme, not cluster.tls.ca', async () => {
    makeCa('plain-ca');
    td = await startTestDaemon({ cluster: { member: 'auth', endpoints: etcd.endpoints, leaseTtl: '5s', prefix: `auth-tls-${process.pid}`, tls: { ca: f('plain-ca.pem') }, auth: { username: 'root', password: 's3cret-root' } }, services: [service] });
    const message = await degradedLoudly(td);
    expect(etcd.endpoints[0]).toMatch(/^http:/);
    expect(message).toContain(`cluster.endpoints: ${etcd.endpoints[0]} is http:// but cluster.tls is set`);
    expect(message).toContain('expected https:// endpoints of an etcd that serves TLS, or no cluster.tls');
    expect(message).not.toContain('cluster.tls.ca');
  }, 60_000);

  it('no auth settings against an etcd with auth on: the error says cluster.auth is expected', async () => {
    td = await startTestDaemon({ cluster: { member: 'auth', endpoints: etcd.endpoints, leaseTtl: '5s', prefix: `auth-none-${process.pid}` }, services: [service] });
    const message = await degradedLoudly(td);
    expect(message).toMatch(/cluster\.auth is missing: .*expected cluster\.auth/);
  }, 60_000);
});
