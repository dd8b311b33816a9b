// A service a reload removes takes its sparkline history with it: the page kept it (memory grew with every reload), and
// a service added again under the same name drew the removed one's readings and a restart it never had.
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { dashboardPlugin } from '../../src/server/dashboard.js';
import { reloadConfig } from '../../src/instances/config-reload.js';
import { FIXTURES, NODE, markServices, startTestDaemon } from '../helpers/daemon.js';
import { CHROMIUM } from '../helpers/chromium.js';
import { dashboardSuite } from '../helpers/dashboard-suite.js';


describe.skipIf(!existsSync(CHROMIUM))('dashboard: a service removed by a reload and added again', () => {
  const env = dashboardSuite();

  it('starts its sparklines afresh: no readings and no restart of the removed one', async () => {
    const steady = { name: 'steady', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] };
    const watched = { name: 'watched', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')], probes: [{ kind: 'memory', name: 'memory', limit: '500MiB', interval: '500ms' }] };
    env.td = await startTestDaemon({ services: [steady, watched] }, { plugins: [dashboardPlugin()] });
    const write = (services: Array<Record<string, unknown>>): void => writeFileSync(env.td!.configFile, YAML.stringify(markServices({ services })));
    const page = await env.browser.newPage();
    await page.goto(`http://127.0.0.1:${env.td.daemon.api!.port}/`);
    const card = page.locator('article.card[data-service="watched"]');
    // A few memory readings drawn (the area path is there once there is one point).
    await card.locator('figure.mem svg path.line').waitFor({ state: 'attached', timeout: 20_000 });
    await page.waitForTimeout(2_500);
    const firstPid = await card.getAttribute('data-pid');

    write([steady]);
    expect((await reloadConfig(env.td.daemon, 'test')).status).toBe(200);
    await card.waitFor({ state: 'detached', timeout: 20_000 });

    write([steady, watched]);
    expect((await reloadConfig(env.td.daemon, 'test')).status).toBe(200);
    await page.locator(`article.card[data-service="watched"]:not([data-pid=""]):not([data-pid="${firstPid}"])`).waitFor({ timeout: 20_000 });
    await card.locator('figure.mem svg path.line').waitFor({ state: 'attached', timeout: 20_000 });
    expect(await card.locator('[data-field="restarts"]').textContent()).toBe('0');
    // The removed instance's process is not a restart of this one.
    expect(await card.locator('figure.mem svg line.restart').count()).toBe(0);
    await page.close();
  }, 90_000);
});
