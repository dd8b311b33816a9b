// The dashboard's cluster view, in real Chromium, against a real daemon that is a member of a (one-member) etcd cluster.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser } from 'playwright-core';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { startEtcdCluster, type EtcdCluster } from './etcd-cluster.js';
import { CHROMIUM, launchChromium } from '../helpers/chromium.js';


describe.skipIf(!existsSync(CHROMIUM))('dashboard: cluster view', () => {
  let browser: Browser;
  let etcd: EtcdCluster;
  let td: TestDaemon | undefined;

  beforeAll(async () => {
    etcd = await startEtcdCluster(1);
    browser = await launchChromium();
  }, 90_000);
  afterAll(async () => {
    await td?.stop();
    await browser?.close();
    await etcd?.stop();
  });

  it('shows the member, the leader of each singleton service and the fencing token', async () => {
    td = await startTestDaemon({
      cluster: { member: 'solo', endpoints: etcd.endpoints, leaseTtl: '10s', prefix: `dash-${process.pid}` },
      services: [{ name: 'gw', placement: 'singleton', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }],
    });
    const rt = td.daemon.runtimes.get('gw')!;
    await waitFor(() => rt.status().state === 'running', { timeoutMs: 30_000, message: () => `gw to run: ${JSON.stringify(rt.status())}` });
    const token = rt.status().placement?.fencingToken;
    expect(token).toBeGreaterThan(0);
    expect(td.events.find((e) => e.type === 'service.started')?.details).toMatchObject({ fencingToken: token });
    const api = td.daemon.api!;
    const cl = await (await fetch(`http://${api.host}:${api.port}/api/cluster`)).json();
    expect(cl.services[0], JSON.stringify({ cl, events: td.events.map((e) => `${e.type}: ${e.message}`) }, null, 1)).toMatchObject({ leader: 'solo', self: true });
    const page = await browser.newPage();
    await page.goto(`http://${api.host}:${api.port}/`);
    await page.waitForSelector('#cluster-panel:not([hidden])', { timeout: 20_000 });
    await page.waitForSelector('#cluster tr[data-service="gw"]', { timeout: 20_000 });
    expect(await page.locator('#cluster tr[data-service="gw"] [data-field="leader"]').textContent()).toBe('solo');
    expect(await page.locator('#cluster tr[data-service="gw"]').textContent()).toContain(`active here (token ${token})`);
    expect(await page.locator('#cluster-member').textContent()).toContain('member solo');
    await page.close();
  }, 120_000);
});
