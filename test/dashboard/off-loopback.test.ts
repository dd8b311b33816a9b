// The dashboard of a daemon listening off loopback (the Docker and Kubernetes examples bind 0.0.0.0): a browser opens
// the page without a token (it cannot send one), then the page sends the token from its URL fragment.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser } from 'playwright-core';
import { dashboardPlugin } from '../../src/server/dashboard.js';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { CHROMIUM, launchChromium } from '../helpers/chromium.js';

/**
 * Every interface, as the Docker and Kubernetes examples bind (the API asks the token for everything there). The test's
 * own requests go to 127.0.0.1 only. (`::ffff:127.0.0.1` stood for it until the API learnt it is loopback spelled another way.)
 */
const OFF_LOOPBACK = '0.0.0.0';

describe.skipIf(!existsSync(CHROMIUM))('dashboard: API off loopback', () => {
  let browser: Browser;
  let td: TestDaemon;
  let base: string;

  beforeAll(async () => {
    browser = await launchChromium();
    td = await startTestDaemon({ api: { host: OFF_LOOPBACK }, services: [{ name: 'steady', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] }, { plugins: [dashboardPlugin()] });
    base = `http://127.0.0.1:${td.daemon.api!.port}`;
  });
  afterAll(async () => {
    await td?.stop();
    await browser?.close();
  });

  it('serves the page and its assets without a token, and keeps the API behind it', async () => {
    for (const p of ['/', '/app.js', '/app.css', '/favicon.svg']) expect((await fetch(`${base}${p}`)).status, p).toBe(200);
    expect((await fetch(`${base}/api/status`)).status).toBe(401);
    expect((await fetch(`${base}/api/events/recent`)).status).toBe(401);
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
  });

  it('shows the services once opened with #token=, and says a token is needed without one', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/#token=${td.daemon.token}`);
    await page.locator('article[data-service="steady"]').waitFor({ timeout: 20_000 });
    await page.close();

    const anon = await browser.newPage();
    await anon.goto(`${base}/`);
    await anon.locator('#daemon-meta', { hasText: 'API token' }).waitFor({ timeout: 20_000 });
    expect(await anon.locator('article[data-service]').count()).toBe(0);
    await anon.close();
  });

  it('restarts a service from the page opened at the non-loopback address it listens on (as a LAN address or 0.0.0.0)', async () => {
    const rt = td.daemon.runtimes.get('steady')!;
    await waitFor(() => rt.status().pid, { timeoutMs: 10_000, message: 'steady running' });
    const before = rt.status().pid;
    // The page's origin is http://[::ffff:7f00:1]:PORT, not a loopback name: its buttons were all refused 403.
    const page = await browser.newPage();
    // An address that is not 127.0.0.1 as written, reaching the same listener (IPv4-mapped, over loopback).
    const own = `http://[::ffff:127.0.0.1]:${td.daemon.api!.port}`;
    await page.goto(`${own}/#token=${td.daemon.token}`);
    const card = page.locator('article[data-service="steady"]');
    await card.waitFor({ timeout: 20_000 });
    page.once('dialog', (d) => void d.accept()); // Restart asks first (restart-confirm.test.ts)
    await card.locator('button[data-action="restart"]').click();
    await card.locator('.action-msg:not(.busy)').waitFor({ timeout: 20_000 });
    expect(await card.locator('.action-msg').textContent()).not.toContain('403');
    await card.locator('.action-msg.ok').waitFor({ timeout: 20_000 });
    await waitFor(() => (rt.status().pid !== null && rt.status().pid !== before) || null, { timeoutMs: 20_000, message: 'a new pid after the restart' });
    await page.close();

    // A page of another origin is still refused, token or not.
    const forged = await fetch(`${base}/api/services/steady/restart`, { method: 'POST', headers: { origin: 'http://evil.example', authorization: `Bearer ${td.daemon.token}` } });
    expect(forged.status).toBe(403);
  });
});
