// Accessibility basics with many cards: every card's buttons read "Restart", "Stop"... A screen reader's list of buttons
// (or a voice command "click Restart alpha") must tell them apart, so each is named with its service.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser } from 'playwright-core';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { CHROMIUM, launchChromium } from '../helpers/chromium.js';

const NAMES = ['alpha', 'beta', 'web.v2'];

describe.skipIf(!existsSync(CHROMIUM))('dashboard: button names', () => {
  let browser: Browser;
  let td: TestDaemon;

  beforeAll(async () => {
    browser = await launchChromium();
    td = await startTestDaemon({ services: NAMES.map((name) => ({ name, command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] })) });
  });
  afterAll(async () => {
    await td?.stop();
    await browser?.close();
  });

  it('names each card and each of its buttons with the service, and that button acts on that service', async () => {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${td.daemon.api!.port}/#token=${td.daemon.token}`);
    for (const name of NAMES) {
      await page.getByRole('article', { name, exact: true }).waitFor({ timeout: 20_000 });
      for (const label of ['Restart', 'Stop', 'Doctor', 'Maintenance 30m']) {
        expect(await page.getByRole('button', { name: `${label} ${name}`, exact: true }).count(), `${label} ${name}`).toBe(1);
      }
    }
    const pid = td.daemon.runtimes.get('beta')!.status().pid;
    page.once('dialog', (d) => void d.accept()); // Restart asks first (restart-confirm.test.ts)
    await page.getByRole('button', { name: 'Restart beta', exact: true }).click();
    await waitFor(() => { const s = td.daemon.runtimes.get('beta')!.status(); return (s.pid !== pid && s.state === 'running') || null; }, { timeoutMs: 20_000, message: 'beta restarted' });
    expect(td.daemon.runtimes.get('alpha')!.status().restarts).toBe(0);
    await page.close();
  });
});
