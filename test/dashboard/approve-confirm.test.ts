// Approve and Refuse of a Level 3 agent run ask first, naming the service, the agent and its time box: one mis-click
// (or Enter on a focused button) started an AI agent on the user's files, or sent the incident to a human, unasked.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser } from 'playwright-core';
import { waitFor } from '../helpers/processes.js';
import { approvalOnDashboard, closeApprovalGateway, type ApprovalGateway } from '../helpers/approval-gateway.js';
import { CHROMIUM, launchChromium } from '../helpers/chromium.js';

describe.skipIf(!existsSync(CHROMIUM))('dashboard: Approve and Refuse ask first', () => {
  let browser: Browser;
  let gw: ApprovalGateway | undefined;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await closeApprovalGateway(gw);
    await browser?.close();
  });

  it('a dismissed confirmation sends nothing; the question names the service, the agent and its time box', async () => {
    gw = await approvalOnDashboard({ approvalTimeout: '5m', timeBox: '7m' });
    const { td: t, standIn } = gw;
    const rt = t.daemon.runtimes.get('gw')!;
    const api = t.daemon.api!;
    const page = await browser.newPage();
    await page.goto(`http://${api.host}:${api.port}/#token=${t.daemon.token}`);
    const card = page.locator('article[data-service="gw"]');
    const approve = card.locator('button[data-action="approve"]:not([hidden])');
    const refuse = card.locator('button[data-action="refuse"]:not([hidden])');
    await approve.waitFor({ timeout: 20_000 });

    const dialogs: string[] = [];
    const dismissNext = (): void => {
      page.once('dialog', (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
    };
    // Keyboard only: focus and Enter.
    dismissNext();
    await approve.focus();
    await page.keyboard.press('Enter');
    await waitFor(() => dialogs.length === 1, { timeoutMs: 5_000 });
    expect(dialogs[0]).toContain('Approve');
    expect(dialogs[0]).toContain('gw');
    expect(dialogs[0]).toContain('openai');
    expect(dialogs[0]).toContain('stand-in');
    expect(dialogs[0]).toContain('7m');

    dismissNext();
    await refuse.focus();
    await page.keyboard.press('Enter');
    await waitFor(() => dialogs.length === 2, { timeoutMs: 5_000 });
    expect(dialogs[1]).toContain('Refuse');
    expect(dialogs[1]).toContain('gw');
    expect(dialogs[1]).toMatch(/human/);

    // Neither answer was sent: the approval still waits and the agent's model was never called.
    await new Promise((r) => setTimeout(r, 500));
    expect(rt.status().work?.kind).toBe('approval');
    expect(t.events.some((e) => e.type === 'incident.action' && (e.details as { action?: string } | undefined)?.action === 'approved')).toBe(false);
    expect(t.events.some((e) => e.type === 'incident.action' && (e.details as { action?: string } | undefined)?.action === 'refused')).toBe(false);
    expect(standIn.requests.length).toBe(0);

    // Confirmed: the agent run is approved.
    page.once('dialog', (d) => void d.accept());
    await approve.click();
    await waitFor(() => t.events.some((e) => e.type === 'incident.action' && (e.details as { action?: string } | undefined)?.action === 'approved'), { timeoutMs: 20_000 });
    await page.close();
  }, 90_000);
});
