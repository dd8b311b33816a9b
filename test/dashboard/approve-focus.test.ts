// Keyboard focus after Approve or Refuse of a Level 3 agent run: the button disabled during the request and hidden once the
// approval is answered took the focus with it to <body>; a keyboard user had to tab from the top of the page again.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser } from 'playwright-core';
import { dashboardPlugin } from '../../src/server/dashboard.js';
import type { TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import type { StandIn } from '../emergency/model-standins.js';
import { brokenGatewayNeedingApproval } from '../helpers/approval-gateway.js';
import { CHROMIUM, launchChromium } from '../helpers/chromium.js';

describe.skipIf(!existsSync(CHROMIUM))('dashboard: focus after Approve or Refuse', () => {
  let browser: Browser;
  let td: TestDaemon | undefined;
  let standIn: StandIn | undefined;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await td?.stop();
    await browser?.close();
    await standIn?.close();
    delete process.env.OPENAI_API_KEY;
  });

  it('stays in the card after a keyboard Refuse, so Tab goes on from there', async () => {
    ({ td, standIn } = await brokenGatewayNeedingApproval({ approvalTimeout: '5m', timeBox: '7m' }, {}, { plugins: [dashboardPlugin()] }));
    const t = td;
    const rt = t.daemon.runtimes.get('gw')!;
    await waitFor(() => rt.status().work?.kind === 'approval', { timeoutMs: 30_000 });
    const api = t.daemon.api!;
    const page = await browser.newPage();
    await page.goto(`http://${api.host}:${api.port}/#token=${t.daemon.token}`);
    const card = page.locator('article[data-service="gw"]');
    const refuse = card.locator('button[data-action="refuse"]:not([hidden])');
    await refuse.waitFor({ timeout: 20_000 });
    const where = (): Promise<string> =>
      page.evaluate(() => {
        const a = document.activeElement as HTMLElement | null;
        if (!a || a === document.body) return 'body';
        const c = a.closest('article.card') as HTMLElement | null;
        return `${c ? c.dataset.service : '-'}:${a.tagName}:${a.dataset.action ?? ''}`;
      });

    page.once('dialog', (d) => void d.accept());
    await refuse.focus();
    await page.keyboard.press('Enter');
    await waitFor(() => t.events.some((e) => e.type === 'incident.action' && (e.details as { action?: string } | undefined)?.action === 'refused'), { timeoutMs: 20_000 });
    // The answer is shown and the buttons are gone once the page's status says the approval is no longer waited for.
    await card.locator('button[data-action="refuse"]').and(page.locator('[hidden]')).waitFor({ state: 'attached', timeout: 20_000 });
    await card.locator('[data-field="action-msg"].ok').waitFor({ timeout: 20_000 });
    expect(await where()).toMatch(/^gw:/);
    // Tab goes on within the card (to one of its buttons), not from the top of the page.
    await page.keyboard.press('Tab');
    expect(await where()).toMatch(/^gw:BUTTON:/);

    // A button that stays (Maintenance) keeps the focus through its request, though it was disabled meanwhile.
    const maint = card.locator('button[data-action="maintenance"]');
    await maint.focus();
    await page.keyboard.press('Enter');
    await card.locator('[data-field="maintenance"]:not([hidden])').waitFor({ timeout: 20_000 });
    await waitFor(async () => !(await maint.isDisabled()) && !(await card.locator('[data-field="action-msg"].busy').count()), { timeoutMs: 20_000 });
    expect(await where()).toBe('gw:BUTTON:maintenance');
    await page.close();
  }, 90_000);
});
