// The dashboard shows the daemon's own fault: a real daemon whose state directory is on a tmpfs that fills up.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { createDashboard } from '../../src/server/dashboard.js';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { mountSmallDisk, type SmallDisk } from '../helpers/tmpfs.js';

const CHROMIUM = '/usr/bin/chromium';
const BANNER = '[data-field="daemon-degraded"]';

describe.skipIf(!existsSync(CHROMIUM))('dashboard: daemon degraded banner', () => {
  let browser: Browser;
  let disk: SmallDisk;
  let td: TestDaemon | undefined;

  beforeAll(async () => {
    disk = mountSmallDisk('2m');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
  });
  afterAll(async () => {
    await td?.stop();
    await browser?.close();
    disk?.free();
    disk?.unmount();
  });

  it('shows the reason while the disk is full and hides it once writes work again', async () => {
    td = await startTestDaemon(
      { services: [{ name: 'steady', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] },
      { dir: disk.dir, heartbeatMs: 300, plugins: [{ name: 'dashboard', init: () => ({ dashboard: createDashboard() }) }] },
    );
    const api = td.daemon.api!;
    const page = await browser.newPage();
    await page.goto(`http://${api.host}:${api.port}/`);
    await page.waitForSelector('article[data-service="steady"]', { timeout: 20_000 });
    expect(await page.locator(BANNER).isHidden()).toBe(true);

    disk.fill(0);
    await page.waitForSelector(`${BANNER}:not([hidden])`, { timeout: 20_000 });
    const text = await page.locator(BANNER).textContent();
    expect(text).toMatch(/degraded/);
    expect(text).toMatch(/heartbeat-write: ENOSPC/);

    disk.free();
    await page.waitForSelector(`${BANNER}[hidden]`, { state: 'attached', timeout: 20_000 });
    await page.close();
  });
});
