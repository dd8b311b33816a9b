// The dashboard's maintenance button in headless Chromium against a real daemon: on with the token, shown, then off.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser } from 'playwright-core';
import { dashboardPlugin } from '../../src/server/dashboard.js';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import type { StandIn } from '../emergency/model-standins.js';
import { brokenGatewayNeedingApproval } from '../helpers/approval-gateway.js';
import { CHROMIUM, launchChromium } from '../helpers/chromium.js';


describe.skipIf(!existsSync(CHROMIUM))('dashboard: maintenance', () => {
  let browser: Browser;
  let td: TestDaemon | undefined;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  let standIn: StandIn | undefined;
  afterAll(async () => {
    await td?.stop();
    await browser?.close();
    await standIn?.close();
    delete process.env.OPENAI_API_KEY;
  });

  it('turns maintenance on and off for a service, journaled as done from the dashboard', async () => {
    td = await startTestDaemon({ services: [{ name: 'steady', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] }, { plugins: [dashboardPlugin()] });
    const t = td;
    const api = t.daemon.api!;
    const page = await browser.newPage();
    await page.goto(`http://${api.host}:${api.port}/#token=${t.daemon.token}`);
    const card = page.locator('article[data-service="steady"]');
    await card.waitFor({ timeout: 20_000 });
    await card.locator('button[data-action="maintenance"]').click();
    await card.locator('[data-field="maintenance"]:not([hidden])').waitFor({ timeout: 20_000 });
    expect(await card.locator('[data-field="maintenance"]').textContent()).toContain('by dashboard');
    expect(t.daemon.runtimes.get('steady')!.status().maintenance?.by).toBe('dashboard');
    await waitFor(async () => (await card.locator('button[data-action="maintenance"]').textContent()) === 'End maintenance', { timeoutMs: 10_000 });
    await card.locator('button[data-action="maintenance"]').click();
    await waitFor(() => t.daemon.runtimes.get('steady')!.status().maintenance === null, { timeoutMs: 10_000 });
    expect(t.events.some((e) => e.type === 'maintenance.ended')).toBe(true);
    await page.close();
  });

  it('approves a waiting Level 3 agent run from the service card (emergency.approval: required)', async () => {
    await td?.stop();
    ({ td, standIn } = await brokenGatewayNeedingApproval({ approvalTimeout: '2m', verifyWindow: '1s' }, {}, { plugins: [dashboardPlugin()] }));
    const t = td;
    const s = standIn;
    await waitFor(() => t.daemon.runtimes.get('gw')!.status().work?.kind === 'approval', { timeoutMs: 30_000 });
    expect(s.requests).toHaveLength(0);
    const api = t.daemon.api!;
    const page = await browser.newPage();
    await page.goto(`http://${api.host}:${api.port}/#token=${t.daemon.token}`);
    const card = page.locator('article[data-service="gw"]');
    await card.locator('button[data-action="approve"]:not([hidden])').waitFor({ timeout: 20_000 });
    // Approve asks first (test/dashboard/approve-confirm.test.ts): the person confirms.
    page.once('dialog', (d) => void d.accept());
    await card.locator('button[data-action="approve"]').click();
    await waitFor(() => t.events.some((e) => e.type === 'agent.started'), { timeoutMs: 20_000 });
    expect(t.events.find((e) => e.details?.action === 'approved')?.details?.by).toBe('dashboard');
    await waitFor(() => s.requests.length > 0, { timeoutMs: 20_000 });
    await page.close();
  });
});
