// The service card's Stop (confirmed) and Doctor buttons in headless Chromium against a real daemon: each is a request
// the daemon's reducer decides on, and the page shows what the daemon said (for the doctor, the run's outcome too).
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import { dashboardPlugin } from '../../src/server/dashboard.js';
import { FIXTURES, NODE, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { CHROMIUM, launchChromium } from '../helpers/chromium.js';

describe.skipIf(!existsSync(CHROMIUM))('dashboard: Stop and Doctor buttons', () => {
  let browser: Browser;
  let td: TestDaemon | undefined;
  let page: Page | undefined;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterEach(async () => {
    await page?.close();
    page = undefined;
    await td?.stop();
    td = undefined;
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('stops a service only after the confirmation, and shows what the daemon said', async () => {
    td = await startTestDaemon({ services: [{ name: 'steady', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] }, { plugins: [dashboardPlugin()] });
    const t = td;
    const rt = t.daemon.runtimes.get('steady')!;
    const api = t.daemon.api!;
    page = await browser.newPage();
    await page.goto(`http://${api.host}:${api.port}/#token=${t.daemon.token}`);
    const card = page.locator('article[data-service="steady"]');
    await card.locator('[data-field="state"]', { hasText: 'running' }).waitFor({ timeout: 20_000 });
    const stop = card.locator('button[data-action="stop"]');

    // Dismissed: nothing is sent.
    const dialogs: string[] = [];
    page.once('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await stop.click();
    await waitFor(() => dialogs.length === 1, { timeoutMs: 5_000 });
    expect(dialogs[0]).toMatch(/Stop steady\?/);
    await new Promise((r) => setTimeout(r, 500));
    expect(rt.status().state).toBe('running');

    // Confirmed: the daemon stops it and the card shows its answer; Stop is gone, Start is offered.
    page.once('dialog', (d) => void d.accept());
    await stop.click();
    await waitFor(() => rt.status().state === 'stopped', { timeoutMs: 20_000 });
    const msg = card.locator('[data-field="action-msg"]');
    await msg.filter({ hasText: 'stop steady: stopped' }).waitFor({ timeout: 20_000 });
    await card.locator('button[data-action="start"]:not([hidden])').waitFor({ timeout: 10_000 });
    expect(await stop.isHidden()).toBe(true);
    expect(t.events.some((e) => e.type === 'service.stopped' || e.type === 'service.exited')).toBe(true);
  }, 60_000);

  /**
   * A service that crashes until its own doctor has run with a person's go-ahead (the file `allowed`): no doctor run of the
   * ladder (attempts 0) and no agent, so the crash loop waits for a human at Level 4; returns once it does, allowed.
   */
  async function waitingForAPerson(): Promise<{ t: TestDaemon; fixedFlag: string }> {
    const dir = tempDir();
    const fixedFlag = path.join(dir, 'fixed');
    const allowed = path.join(dir, 'allowed');
    const svc = `if (!require('node:fs').existsSync(${JSON.stringify(fixedFlag)})) process.exit(1); setInterval(() => {}, 1e9);`;
    const doctor = `const fs = require('node:fs'); setTimeout(() => { if (!fs.existsSync(${JSON.stringify(allowed)})) process.exit(1); fs.writeFileSync(${JSON.stringify(fixedFlag)}, 'done'); }, 1500)`;
    td = await startTestDaemon(
      {
        services: [
          {
            name: 'svc',
            command: [NODE, '-e', svc],
            doctor: { command: [NODE, '-e', doctor], attempts: 0, confirmAfter: '1s' },
            restart: { backoff: { initial: '50ms', max: '200ms', jitter: 0 }, intensity: { maxRestarts: 3, window: '5m' } },
          },
        ],
      },
      { dir, plugins: [dashboardPlugin()] },
    );
    const t = td;
    const rt = t.daemon.runtimes.get('svc')!;
    await waitFor(() => rt.status().incident?.status === 'waiting-human' && rt.status().work === null, { timeoutMs: 40_000 });
    writeFileSync(allowed, 'yes');
    return { t, fixedFlag };
  }

  it("runs the doctor through the daemon, shows it in progress, then the run's summary", async () => {
    const { t, fixedFlag } = await waitingForAPerson();
    const api = t.daemon.api!;
    page = await browser.newPage();
    await page.goto(`http://${api.host}:${api.port}/#token=${t.daemon.token}`);
    const card = page.locator('article[data-service="svc"]');
    const doctorButton = card.locator('button[data-action="doctor"]');
    await doctorButton.waitFor({ timeout: 20_000 });
    await doctorButton.click();
    const msg = card.locator('[data-field="action-msg"]');
    await msg.filter({ hasText: /doctor svc: running \(run / }).waitFor({ timeout: 20_000 });
    // In progress: a second click is not offered while the run is in flight.
    await card.locator('button[data-action="doctor"]:disabled', { hasText: 'Doctor running' }).waitFor({ timeout: 10_000 });
    // The run's outcome, with what the daemon said at its end (its repair held, the incident resolved).
    // 60 s: the run (1.5 s), its confirmation (1 s) and the page's poll took more than 30 s once on a loaded CI box.
    await msg.filter({ hasText: /doctor run \S+ finished: 1 finding, 1 repair applied; the daemon says: / }).waitFor({ timeout: 60_000 });
    await waitFor(() => t.events.some((e) => e.type === 'incident.resolved'), { timeoutMs: 30_000 });
    expect(existsSync(fixedFlag)).toBe(true);
    expect(await doctorButton.isEnabled()).toBe(true);
  }, 150_000);

  it("counts the run's first events that come on the stream before the button's answer (a loaded box)", async () => {
    const { t, fixedFlag } = await waitingForAPerson();
    const api = t.daemon.api!;
    page = await browser.newPage();
    // The answer held 4 s: the run (its doctor 1.5 s, its finding and repair) is over by then; counted only if kept.
    await page.route('**/api/services/svc/doctor', async (route) => {
      const response = await route.fetch();
      await new Promise((r) => setTimeout(r, 4_000));
      await route.fulfill({ response });
    });
    await page.goto(`http://${api.host}:${api.port}/#token=${t.daemon.token}`);
    const card = page.locator('article[data-service="svc"]');
    const doctorButton = card.locator('button[data-action="doctor"]');
    await doctorButton.waitFor({ timeout: 20_000 });
    await doctorButton.click();
    const msg = card.locator('[data-field="action-msg"]');
    await msg.filter({ hasText: /doctor run \S+ finished: 1 finding, 1 repair applied; the daemon says: / }).waitFor({ timeout: 60_000 });
    expect(existsSync(fixedFlag)).toBe(true);
  }, 150_000);
});
