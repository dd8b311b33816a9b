// Restart stops a live service: the card's button asks first, as Stop does (a mis-click among 20 cards restarted one).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser } from 'playwright-core';
import { dashboardPlugin } from '../../src/server/dashboard.js';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { CHROMIUM, launchChromium } from '../helpers/chromium.js';

describe.skipIf(!existsSync(CHROMIUM))('dashboard: Restart asks first', () => {
  let browser: Browser;
  let td: TestDaemon;

  beforeAll(async () => {
    browser = await launchChromium();
    td = await startTestDaemon({ services: [{ name: 'steady', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] }, { plugins: [dashboardPlugin()] });
  });
  afterAll(async () => {
    await td?.stop();
    await browser?.close();
  });

  it('restarts a running service only after the confirmation', async () => {
    const rt = td.daemon.runtimes.get('steady')!;
    const api = td.daemon.api!;
    const page = await browser.newPage();
    await page.goto(`http://${api.host}:${api.port}/#token=${td.daemon.token}`);
    const card = page.locator('article[data-service="steady"]');
    await card.locator('[data-field="state"]', { hasText: 'running' }).waitFor({ timeout: 20_000 });
    const pid = rt.status().pid;
    const restart = card.locator('button[data-action="restart"]');

    // Dismissed: nothing is sent (keyboard: focus and Enter, as a keyboard-only user does).
    const dialogs: string[] = [];
    page.once('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await restart.focus();
    await page.keyboard.press('Enter');
    await waitFor(() => dialogs.length === 1, { timeoutMs: 5_000 });
    expect(dialogs[0]).toMatch(/Restart steady\?/);
    await new Promise((r) => setTimeout(r, 500));
    expect(rt.status().pid).toBe(pid);
    expect(td.events.some((e) => e.type === 'service.restarting')).toBe(false);

    // Confirmed: the daemon restarts it.
    page.once('dialog', (d) => void d.accept());
    await restart.click();
    await waitFor(() => rt.status().pid !== null && rt.status().pid !== pid, { timeoutMs: 20_000 });
    await page.close();
  }, 60_000);
});
