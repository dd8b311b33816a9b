// The dashboard's "Reset count" button (`clawback reset NAME`, pm2 reset): RESTARTS back to 0 on that card only, the
// process not restarted, journaled as asked by the dashboard.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser } from 'playwright-core';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { CHROMIUM, launchChromium } from '../helpers/chromium.js';

describe.skipIf(!existsSync(CHROMIUM))('dashboard: reset button', () => {
  let browser: Browser;
  let td: TestDaemon;

  beforeAll(async () => {
    browser = await launchChromium();
    td = await startTestDaemon({ services: ['alpha', 'beta'].map((name) => ({ name, command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] })) });
  });
  afterAll(async () => {
    await td?.stop();
    await browser?.close();
  });

  it('sets RESTARTS of its service to 0 without restarting it', async () => {
    await td.daemon.action('alpha', 'restart');
    await td.daemon.action('beta', 'restart');
    const alpha = td.daemon.runtimes.get('alpha')!;
    expect(alpha.status().restarts).toBe(1);
    const pid = alpha.status().pid;
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${td.daemon.api!.port}/#token=${td.daemon.token}`);
    const button = page.getByRole('button', { name: 'Reset count alpha', exact: true });
    await button.waitFor({ timeout: 20_000 });
    await waitFor(async () => (await button.isEnabled()) || null, { timeoutMs: 20_000, message: 'Reset count alpha enabled' });
    await button.click();
    await waitFor(() => alpha.status().restarts === 0 || null, { timeoutMs: 20_000, message: 'alpha RESTARTS 0' });
    expect(alpha.status()).toMatchObject({ pid, state: 'running' });
    expect(td.daemon.runtimes.get('beta')!.status().restarts).toBe(1);
    await waitFor(() => td.journal().find((e) => e.type === 'service.reset') ?? null, { timeoutMs: 10_000, message: 'service.reset journaled' });
    expect(td.journal().find((e) => e.type === 'service.reset')!.message).toMatch(/^alpha: restart count reset by dashboard /);
    await page.close();
  });
});
