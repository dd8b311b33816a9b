// A daemon off loopback back with a new token (a new state dir, a token file replaced): the page must say the daemon
// refused its token, not "cannot reach the daemon" with "control enabled" for good, and take the new one when pasted.
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dashboardPlugin } from '../../src/server/dashboard.js';
import { tokenPath } from '../../src/server/token.js';
import { FIXTURES, NODE, startTestDaemon } from '../helpers/daemon.js';
import { CHROMIUM } from '../helpers/chromium.js';
import { dashboardSuite } from '../helpers/dashboard-suite.js';

/**
 * Every interface, as the Docker and Kubernetes examples bind (the API asks the token for everything there). The test's
 * own requests go to 127.0.0.1 only. (`::ffff:127.0.0.1` stood for it until the API learnt it is loopback spelled another way.)
 */
const OFF_LOOPBACK = '0.0.0.0';

describe.skipIf(!existsSync(CHROMIUM))('dashboard: the daemon comes back with a new token', () => {
  const env = dashboardSuite();

  it('says the token was refused (401), drops it, and is live again with the new one pasted', async () => {
    const config = { api: { host: OFF_LOOPBACK }, services: [{ name: 'steady', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] };
    const first = await startTestDaemon(config, { plugins: [dashboardPlugin()] });
    env.td = first;
    const port = first.daemon.api!.port;
    const oldToken = first.daemon.token; // read now: the getter makes a new one once the file is gone
    const page = await env.browser.newPage();
    await page.goto(`http://127.0.0.1:${port}/#token=${oldToken}`);
    await page.locator('#conn[data-state="live"]').waitFor({ timeout: 20_000 });
    expect(await page.locator('#token-state').textContent()).toBe('control enabled');

    await first.stop();
    env.td = undefined;
    rmSync(tokenPath(first.stateDir));
    env.td = await startTestDaemon(config, { dir: first.dir, apiPort: port, plugins: [dashboardPlugin()] });
    expect(env.td.daemon.token).not.toBe(oldToken);

    const banner = page.locator('#banner:not([hidden])', { hasText: '401' });
    await banner.waitFor({ timeout: 20_000 });
    expect(await banner.textContent()).not.toContain('Cannot reach');
    expect(await banner.textContent()).toContain(`${first.stateDir}/token`);
    expect(await page.locator('#token-state').textContent()).toBe('read-only');

    await page.locator('#token-input').fill(env.td.daemon.token);
    await page.locator('#token-use').click();
    await page.locator('#conn[data-state="live"]').waitFor({ timeout: 20_000 });
    expect(await page.locator('#banner').isHidden()).toBe(true);
    expect(await page.locator('#token-state').textContent()).toBe('control enabled');
    await page.close();
  }, 90_000);
});
