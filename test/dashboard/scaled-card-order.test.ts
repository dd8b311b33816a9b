// A scale up's new instances are listed among their group's: the status (CLI and dashboard) put web:2 after every other
// service until the daemon restarted, and the page appended its card at the bottom, away from web:0 and web:1.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser } from 'playwright-core';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { CHROMIUM, launchChromium } from '../helpers/chromium.js';
import { freePortRun, waitHealthy, webService } from '../instances/instance-helpers.js';

describe.skipIf(!existsSync(CHROMIUM))('dashboard: cards of a scaled service after a scale up', () => {
  let browser: Browser;
  let td: TestDaemon;

  beforeAll(async () => {
    browser = await launchChromium();
    const base = await freePortRun(3);
    td = await startTestDaemon({ services: [webService(base, 2), { name: 'side', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] });
    await waitHealthy(td.daemon, ['web:0', 'web:1']);
  });

  afterAll(async () => {
    await browser?.close();
    await td?.stop();
  });

  it('lists web:0, web:1, web:2 and then side, in the status and on the open page', async () => {
    const api = td.daemon.api!;
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${api.port}/#token=${td.daemon.token}`);
    await page.locator('article[data-service="side"]').waitFor({ timeout: 20_000 });
    const res = await fetch(`http://127.0.0.1:${api.port}/api/services/web/scale?instances=3&by=test`, { method: 'POST', headers: { authorization: `Bearer ${td.daemon.token}` } });
    expect(res.status).toBe(200);
    const status = (await (await fetch(`http://127.0.0.1:${api.port}/api/status`)).json()) as { services: Array<{ name: string }> };
    expect(status.services.map((s) => s.name)).toEqual(['web:0', 'web:1', 'web:2', 'side']);
    await page.locator('article[data-service="web:2"]').waitFor({ timeout: 20_000 });
    const order = async (): Promise<string[]> => page.locator('#services article.card').evaluateAll((cards) => cards.map((c) => (c as HTMLElement).dataset.service ?? ''));
    await waitFor(async () => (await order()).length === 4 || null, { timeoutMs: 10_000 });
    expect(await order()).toEqual(['web:0', 'web:1', 'web:2', 'side']);
    await page.reload();
    await page.locator('article[data-service="web:2"]').waitFor({ timeout: 20_000 });
    expect(await order()).toEqual(['web:0', 'web:1', 'web:2', 'side']);
    await page.close();
  }, 60_000);
});
