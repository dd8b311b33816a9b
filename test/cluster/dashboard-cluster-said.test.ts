// `clawback status` says when a member did not take a config from etcd (followSkipped) and `clawback cluster status`
// when a move was withdrawn during its handover (withdrawnMove); the dashboard's cluster panel said neither. It does now.
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser } from 'playwright-core';
import { clusterSchema } from '../../src/cluster/cluster-schema.js';
import { connectEtcd } from '../../src/cluster/etcd-connect.js';
import { activeMember, api, ask, journalLines, startMember, etcdForMembers, type Member } from './cluster-members.js';
import { waitFor } from '../helpers/processes.js';
import { CHROMIUM, launchChromium } from '../helpers/chromium.js';

const env = etcdForMembers(1);

describe.skipIf(!existsSync(CHROMIUM))('dashboard: the cluster panel says what the CLI says (real etcd, daemons, Chromium)', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });
  const open = async (m: Member) => {
    const a = m.api()!;
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`http://127.0.0.1:${a.port}/#token=${a.token}`);
    await page.waitForSelector('#cluster-panel:not([hidden])', { timeout: 20_000 });
    return { page, errors };
  };

  it('a config from etcd not taken', async () => {
    const prefix = `dcs${process.pid}`;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'clawback-dcs-'));
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
    const { page, errors } = await open(a);
    const line = page.locator('#cluster [data-field="follow-skipped"][data-service="gw"]');
    await line.waitFor({ timeout: 20_000 });
    expect(await line.textContent()).toContain(`config not taken from etcd: the value at ${key} is not JSON`);
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);

  it('a move withdrawn during the handover', async () => {
    const opts = { endpoints: env.etcd.endpoints, prefix: `dcw${process.pid}`, leaseTtl: '5s', env: { SLOW_STOP_MS: '3000' }, service: { stop: { grace: '6s' } } };
    const [a, b] = await Promise.all([startMember('a2', opts), startMember('b2', opts)]);
    env.members.push(a, b);
    const first = await activeMember([a, b]);
    const other = first === a ? b : a;
    await waitFor(async () => ((await api(first, 'GET', '/api/cluster')).body.members as Array<{ member: string }>).some((m) => m.member === other.name), {
      timeoutMs: 20_000,
      message: () => `${other.name} to be a live member`,
    });
    expect((await api(first, 'POST', `/api/cluster/move?service=gw&to=${other.name}`)).status).toBe(202);
    await waitFor(() => journalLines(first).includes('moving to'), { timeoutMs: 20_000, intervalMs: 50, message: () => journalLines(first) });
    expect((await api(other, 'POST', `/api/cluster/move?service=gw&to=${first.name}`)).status).toBe(200);
    await waitFor(async () => (await ask(first.servicePort, 1000)) !== null && journalLines(first).includes('withdrawn during the handover'), {
      timeoutMs: 60_000,
      intervalMs: 100,
      message: () => `the service to be served again\n${journalLines(first)}`,
    });
    const { page, errors } = await open(first);
    const line = page.locator('#cluster [data-field="withdrawn-move"][data-service="gw"]').filter({ hasText: 'running again' });
    await line.waitFor({ timeout: 20_000 });
    expect(await line.textContent()).toMatch(new RegExp(`^gw: the move to ${other.name} was withdrawn during the handover at .+; it stayed on ${first.name}, whose instance had stopped for it: running again$`));
    expect(errors).toEqual([]);
    await page.close();
  }, 150_000);
});
