// A daemon without a `cluster:` block answers /api/cluster with 404, and the page asked it again every 5 s for good
// (12 requests a minute for nothing). It asks once, and again only when a status shows the daemon in a cluster.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dashboardPlugin } from '../../src/server/dashboard.js';
import type { DaemonPlugin } from '../../src/daemon/daemon.js';
import { FIXTURES, NODE, startTestDaemon } from '../helpers/daemon.js';
import { CHROMIUM } from '../helpers/chromium.js';
import { dashboardSuite } from '../helpers/dashboard-suite.js';

describe.skipIf(!existsSync(CHROMIUM))('dashboard: no cluster', () => {
  const env = dashboardSuite();

  it('asks /api/cluster once when it answers 404, and again once a status shows a cluster', async () => {
    // A cluster that joins while the page stays open (as a daemon restarted with a `cluster:` block does).
    const joined = { on: false };
    const lateCluster: DaemonPlugin = {
      name: 'late-cluster',
      init: () => ({
        status: () => (joined.on ? { cluster: { member: 'm1', etcdError: null, services: [], followSkipped: [] } } : {}),
        extra: async (p) => (p === '/api/cluster' && joined.on ? { member: 'm1', etcdReachable: true, leaseAgeMs: null, recordsRead: true, members: [{ member: 'm1' }], services: [] } : undefined),
      }),
    };
    env.td = await startTestDaemon({ services: [{ name: 'steady', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] }, { plugins: [dashboardPlugin(), lateCluster] });
    const page = await env.browser.newPage();
    const asked: number[] = [];
    const statuses: number[] = [];
    page.on('response', (r) => {
      const p = new URL(r.url()).pathname;
      if (p === '/api/cluster') asked.push(r.status());
      if (p === '/api/status') statuses.push(r.status());
    });
    await page.goto(`http://127.0.0.1:${env.td.daemon.api!.port}/`);
    await page.locator('#conn[data-state="live"]').waitFor({ timeout: 20_000 });
    await expect.poll(() => asked.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(1);
    // Well past two of the old 5 s periods (timers run late on a loaded host, never early).
    await page.waitForTimeout(11_000);
    expect(asked).toEqual([404]);
    expect(await page.locator('#cluster-panel').isHidden()).toBe(true);

    joined.on = true;
    const seen = statuses.length;
    await expect.poll(() => statuses.length, { timeout: 30_000 }).toBeGreaterThan(seen + 1);
    await expect.poll(() => asked.includes(200), { timeout: 30_000 }).toBe(true);
    await page.locator('#cluster-panel').waitFor({ state: 'visible', timeout: 20_000 });
    expect(await page.locator('#cluster-member').textContent()).toContain('member m1');
    await page.close();
  }, 120_000);
});
