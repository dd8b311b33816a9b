// The card says what work is in flight on its incident: a Level 3 agent run waiting for approval showed only
// "L3 emergency · Open incident" and two buttons, never that a person's answer was awaited, nor until when.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser } from 'playwright-core';
import { waitFor } from '../helpers/processes.js';
import { approvalOnDashboard, closeApprovalGateway, type ApprovalGateway } from '../helpers/approval-gateway.js';
import { CHROMIUM, launchChromium } from '../helpers/chromium.js';

describe.skipIf(!existsSync(CHROMIUM))('dashboard: work in flight', () => {
  let browser: Browser;
  let gw: ApprovalGateway | undefined;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await closeApprovalGateway(gw);
    await browser?.close();
  });

  it('a Level 3 agent run waiting for approval is said on the card, with the command and the deadline', async () => {
    gw = await approvalOnDashboard({ approvalTimeout: '5m' });
    const t = gw.td;
    const work = t.daemon.runtimes.get('gw')!.status().work!;
    const api = t.daemon.api!;
    const page = await browser.newPage();
    await page.goto(`http://${api.host}:${api.port}/`);
    const card = page.locator('article[data-service="gw"]');
    await card.locator('button[data-action="approve"]:not([hidden])').waitFor({ timeout: 20_000 });
    const said = card.locator('[data-field="incident"] [data-field="work"]');
    await said.waitFor({ timeout: 10_000 });
    const text = await said.textContent();
    const deadline = await page.evaluate((at) => new Intl.DateTimeFormat([], { hour12: false, hour: '2-digit', minute: '2-digit', second: '2-digit' }).format(new Date(at)), work.deadline);
    expect(text).toContain("waits for a person's approval");
    expect(text).toContain(`clawback approve ${work.incidentId}`);
    expect(text).toContain(`unanswered by ${deadline}`);
    await page.close();
  }, 90_000);
});
