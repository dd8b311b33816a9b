// A held service's card the day after: its open incident's "opened" and its last exit must say which day, as the
// held note and the incident history do, or an incident open since yesterday reads as one opened today.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser } from 'playwright-core';
import { systemClock } from '../../src/platform/clock.js';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { HOUR } from '../helpers/clock.js';
import { waitFor } from '../helpers/processes.js';
import { CHROMIUM, launchChromium } from '../helpers/chromium.js';

const CONFIG = {
  services: [
    // Crash-loops into a hold (Level 4) at once: the incident stays open, waiting for a human.
    { name: 'down', command: [NODE, path.join(FIXTURES, 'exit-with.mjs'), '3', '50'], restart: { backoff: { initial: '50ms', max: '50ms' }, intensity: { maxRestarts: 2, window: '1m' } }, doctor: { attempts: 1 } },
  ],
};

describe.skipIf(!existsSync(CHROMIUM))('dashboard: a card the day after its incident opened', () => {
  let browser: Browser;
  let td: TestDaemon | undefined;

  beforeAll(async () => {
    browser = await launchChromium();
    // Yesterday's daemon: its wall clock a day and two hours behind. The service is held there.
    const real = systemClock();
    const first = await startTestDaemon(CONFIG, { clock: { ...real, now: () => real.now() - 26 * HOUR } });
    await waitFor(() => first.daemon.runtimes.get('down')!.status().held || null, { timeoutMs: 30_000, message: 'down held' });
    await first.stop();
    // Today's daemon on the same state: the hold and its open incident are carried over.
    td = await startTestDaemon(CONFIG, { dir: first.dir });
    const t = td;
    await waitFor(() => (t.daemon.runtimes.get('down')!.status().incident?.openedAt ?? Infinity) < Date.now() - 24 * HOUR || null, { timeoutMs: 20_000, message: 'the incident carried over' });
  }, 90_000);
  afterAll(async () => {
    await td?.stop();
    await browser?.close();
  });

  it('says the day of the open incident, as the held note does', async () => {
    const s = td!.daemon.runtimes.get('down')!.status();
    expect(Date.now() - s.incident!.openedAt).toBeGreaterThan(24 * HOUR);
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${td!.daemon.api!.port}/`);
    const card = page.locator('article[data-service="down"]');
    await card.locator('[data-field="incident"]:not([hidden])').waitFor({ timeout: 20_000 });
    const day = await page.evaluate((t) => new Intl.DateTimeFormat([], { month: 'short', day: 'numeric' }).format(new Date(t)), s.incident!.openedAt);
    expect(await card.locator('[data-field="incident"] .sub').textContent()).toContain(`opened ${day} `);
    // The hold is not checked here: the new daemon's cool-down retries a day-old Level 4 at once, so the card may show
    // yesterday's hold or a fresh one depending on the timing (a loaded CI run saw the fresh one).
    await page.close();
  });
});
