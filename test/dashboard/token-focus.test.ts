// Keyboard focus in the token form: Unlock (Enter in the field) hid the field and its button, Forget token hid itself,
// and a pasted token the daemon refused hid Forget token again; each time the focus fell to <body>.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser } from 'playwright-core';
import { dashboardPlugin } from '../../src/server/dashboard.js';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { CHROMIUM, launchChromium } from '../helpers/chromium.js';

describe.skipIf(!existsSync(CHROMIUM))('dashboard: focus in the token form', () => {
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

  it('moves to what took the place of the control a keyboard user just used', async () => {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${td.daemon.api!.port}/`);
    await page.locator('#conn[data-state="live"]').waitFor({ timeout: 20_000 });
    const focused = (): Promise<string> => page.evaluate(() => (document.activeElement === document.body ? 'body' : document.activeElement?.id ?? '?'));

    // Unlock with Enter: the focus is on Forget token.
    await page.locator('#token-input').focus();
    await page.keyboard.type(td.daemon.token);
    await page.keyboard.press('Enter');
    await page.locator('#token-state.ok').waitFor({ timeout: 10_000 });
    expect(await focused()).toBe('token-forget');

    // Forget token with Enter: the focus is on the field, ready for another.
    await page.keyboard.press('Enter');
    await page.locator('#token-state:not(.ok)').waitFor({ timeout: 10_000 });
    expect(await focused()).toBe('token-input');

    // A wrong token: refused once the daemon answers, and the focus is back on the field to type the right one.
    await page.keyboard.type('not-the-token-0123456789');
    await page.keyboard.press('Enter');
    await page.locator('#banner:not([hidden])').waitFor({ timeout: 10_000 });
    await waitFor(async () => (await focused()) === 'token-input', { timeoutMs: 10_000, message: 'the focus back on the token field' });
    expect(await page.locator('#token-state').textContent()).toBe('read-only');
    await page.close();
  }, 60_000);
});
