// After an etcd outage, with auth on, the member's etcd client answers again: a token etcd forgot meanwhile must not hang it.
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterSchema } from '../../src/cluster/cluster-schema.js';
import { connectEtcdClients, type EtcdClients } from '../../src/cluster/etcd-connect.js';
import { startEtcdCluster, type EtcdCluster } from './etcd-cluster.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One call, bounded: 'ok', the error's class, or 'hung' when it has not settled within 3 s (calls carry a 1 s deadline). */
async function outcome(p: Promise<unknown>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<string>((r) => (timer = setTimeout(() => r('hung'), 3000)));
  const settled = p.then(
    () => 'ok',
    (e: unknown) => (e as Error).constructor?.name ?? 'Error',
  );
  try {
    return await Promise.race([settled, hung]);
  } finally {
    clearTimeout(timer);
  }
}

describe('etcd with auth: an outage that outlives the auth token', () => {
  let etcd: EtcdCluster;
  let clients: EtcdClients | undefined;

  beforeAll(async () => {
    // An unused token lives 1 s in etcd: one that was issued before the outage is refused after it.
    etcd = await startEtcdCluster(1, { authTokenTtlSec: 1 });
    const admin = new Etcd3({ hosts: etcd.endpoints });
    await admin.role('root').create();
    await admin.user('root').create('s3cret-root');
    await admin.user('root').addRole('root');
    await admin.auth.authEnable();
    admin.close();
  }, 90_000);
  afterAll(async () => {
    clients?.client.close();
    for (const p of clients?.perEndpoint ?? []) p.client.close();
    await etcd?.stop();
  });

  it('the client refuses fast while etcd is down and answers again once it is back (it used to hang for good)', async () => {
    const cfg = clusterSchema.parse({ member: 'm', endpoints: etcd.endpoints, leaseTtl: '5s', prefix: `auth-outage-${process.pid}`, auth: { username: 'root', password: 's3cret-root' } });
    clients = await connectEtcdClients(cfg);
    const client = clients.client;
    const get = (): Promise<string> => outcome(client.get(`/auth-outage-${process.pid}/x`).string());
    expect(await get()).toBe('ok');

    await etcd.kill(0);
    // Two failed calls open the endpoint's circuit breaker.
    const down = [await get(), await get()];
    expect(down).not.toContain('ok');
    expect(down).not.toContain('hung');

    await etcd.start(0);
    // etcd is back; the client's token expires there while the breaker waits to probe the endpoint.
    await sleep(4000);
    const after: string[] = [];
    for (let i = 0; i < 15 && after.at(-1) !== 'ok'; i++) {
      after.push(await get());
      await sleep(500);
    }
    expect(after, after.join(', ')).not.toContain('hung');
    expect(after.at(-1), after.join(', ')).toBe('ok');
  }, 60_000);
});
