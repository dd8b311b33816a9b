// A daemon on loopback back with a new token: reads need no token there, so the status kept answering and the page
// showed "control enabled" with the old token for good; a click's 401 said why only for an instant (the dropped token
// wiped every card's message). The page must say control needs the new token, before and after a click.
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dashboardPlugin } from '../../src/server/dashboard.js';
import { tokenPath } from '../../src/server/token.js';
import { FIXTURES, NODE, startTestDaemon } from '../helpers/daemon.js';
import { CHROMIUM } from '../helpers/chromium.js';
import { dashboardSuite } from '../helpers/dashboard-suite.js';


describe.skipIf(!existsSync(CHROMIUM))('dashboard on loopback: the daemon comes back with a new token', () => {
  const env = dashboardSuite();

  it('says control needs the new token, keeps a refused click\'s reason, and takes the new token', async () => {
    const config = { services: [{ name: 'steady', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] };
    const first = await startTestDaemon(config, { plugins: [dashboardPlugin()] });
    env.td = first;
    const port = first.daemon.api!.port;
    const oldToken = first.daemon.token;
    const page = await env.browser.newPage();
    await page.goto(`http://127.0.0.1:${port}/#token=${oldToken}`);
    await page.locator('#conn[data-state="live"]').waitFor({ timeout: 20_000 });
    expect(await page.locator('#token-state').textContent()).toBe('control enabled');

    await first.stop();
    env.td = undefined;
    rmSync(tokenPath(first.stateDir));
    env.td = await startTestDaemon(config, { dir: first.dir, apiPort: port, plugins: [dashboardPlugin()] });
    expect(env.td.daemon.token).not.toBe(oldToken);

    // Live (loopback reads need no token), and told the token is not the daemon's any more.
    const banner = page.locator('#banner:not([hidden])', { hasText: 'token changed' });
    await banner.waitFor({ timeout: 20_000 });
    expect(await banner.textContent()).toContain(`${first.stateDir}/token`);
    expect(await page.locator('#token-state').textContent()).toBe('read-only');
    await page.locator('#conn[data-state="live"]').waitFor({ timeout: 20_000 });

    // A wrong token pasted and a click at once: the 401's reason stays on the card when the token is dropped.
    await page.locator('#token-input').fill('not-the-token');
    await page.locator('#token-use').click();
    const card = page.locator('article.card[data-service="steady"]');
    page.once('dialog', (d) => void d.accept()); // Restart asks first (restart-confirm.test.ts)
    await card.locator('button[data-action="restart"]').click();
    const msg = card.locator('[data-field="action-msg"]');
    await expect.poll(() => msg.textContent(), { timeout: 10_000 }).toContain('Refused (401)');
    await page.locator('#token-state', { hasText: 'read-only' }).waitFor({ timeout: 10_000 });
    await page.waitForTimeout(2_500); // a status poll or more after the drop
    expect(await msg.textContent()).toContain('Refused (401)');

    await page.locator('#token-input').fill(env.td.daemon.token);
    await page.locator('#token-use').click();
    expect(await page.locator('#token-state').textContent()).toBe('control enabled');
    await page.locator('#banner').waitFor({ state: 'hidden', timeout: 20_000 });
    await page.waitForTimeout(2_500); // the next status poll does not refuse the new token
    expect(await page.locator('#token-state').textContent()).toBe('control enabled');
    await page.close();
  }, 90_000);
});
