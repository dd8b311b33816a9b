// The banners' times (a refused config reload, the daemon degraded since...) as every other time on the page: 24-hour,
// with the day when it is not today. They read "11:24:03 AM" in a 24-hour page, and a refusal of yesterday as today's.
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/platform/clock.js';
import { FIXTURES, NODE, markServices, startTestDaemon } from '../helpers/daemon.js';
import { HOUR } from '../helpers/clock.js';
import { CHROMIUM } from '../helpers/chromium.js';
import { dashboardSuite } from '../helpers/dashboard-suite.js';

const BANNER = '[data-field="reload-failed"]';

describe.skipIf(!existsSync(CHROMIUM))('dashboard: banner times', () => {
  const env = dashboardSuite();

  it('names the day and a 24-hour time of a reload refused yesterday', async () => {
    const config = { services: [{ name: 'steady', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] };
    // The daemon's wall clock a day and two hours behind the browser's: what it did reads as yesterday.
    const real = systemClock();
    env.td = await startTestDaemon(config, { clock: { ...real, now: () => real.now() - 26 * HOUR } });
    const bad = markServices(config);
    (bad.services[0] as Record<string, unknown>).port = 'nope';
    writeFileSync(env.td.configFile, YAML.stringify(bad));
    expect((await env.td.daemon.command('/api/reload', new URLSearchParams({ by: 'SIGHUP' })))?.status).toBe(400);
    const page = await env.browser.newPage();
    await page.goto(`http://127.0.0.1:${env.td.daemon.api!.port}/`);
    await page.waitForSelector(`${BANNER}:not([hidden])`, { timeout: 20_000 });
    const at = ((await (await fetch(`http://127.0.0.1:${env.td.daemon.api!.port}/api/status`)).json()) as { daemon: { reloadFailed: { at: number } } }).daemon.reloadFailed.at;
    const when = await page.evaluate((t) => {
      const d = new Date(t);
      const day = new Intl.DateTimeFormat([], { month: 'short', day: 'numeric' }).format(d);
      return `${day} ${new Intl.DateTimeFormat([], { hour12: false, hour: '2-digit', minute: '2-digit', second: '2-digit' }).format(d)}`;
    }, at);
    expect(await page.locator(BANNER).textContent()).toContain(`(by SIGHUP, ${when})`);
    await page.close();
  }, 60_000);
});
