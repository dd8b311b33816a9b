// The dashboard shows the daemon's own fault: a real daemon whose state directory is on a tmpfs that fills up.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser } from 'playwright-core';
import { createDashboard } from '../../src/server/dashboard.js';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { mountSmallDisk, type SmallDisk } from '../helpers/tmpfs.js';
import { CHROMIUM, launchChromium } from '../helpers/chromium.js';

const BANNER = '[data-field="daemon-degraded"]';

describe.skipIf(!existsSync(CHROMIUM))('dashboard: daemon degraded banner', () => {
  let browser: Browser;
  let disk: SmallDisk;
  let td: TestDaemon | undefined;

  beforeAll(async () => {
    disk = mountSmallDisk('2m');
    browser = await launchChromium();
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

    // Kept full while waiting, as a disk filled by something else stays full: an atomic replace in flight at the
    // fill frees the old file's page at its rename, and a heartbeat can then reuse that one page beat after beat.
    const deadline = Date.now() + 20_000;
    disk.fill(0);
    while ((await page.locator(`${BANNER}:not([hidden])`).count()) === 0) {
      if (Date.now() > deadline) throw new Error('the degraded banner did not show within 20 s of the disk filling up');
      await new Promise((r) => setTimeout(r, 200));
      disk.fill(0);
    }
    const text = await page.locator(BANNER).textContent();
    expect(text).toMatch(/degraded/);
    // Whichever write met the full disk first (the heartbeat's or the state's, both every beat) is the reason shown.
    expect(text).toMatch(/(heartbeat|state)-write: ENOSPC/);

    disk.free();
    await page.waitForSelector(`${BANNER}[hidden]`, { state: 'attached', timeout: 20_000 });
    await page.close();
  });
});
