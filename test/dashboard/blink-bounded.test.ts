// The "reconnecting" dot blinked for as long as the daemon did not answer (minutes, through a restart): WCAG 2.2.2 allows
// a blink to start unasked for at most 5 s, and a person who asked for reduced motion got it and every new event's flash.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import { dashboardPlugin } from '../../src/server/dashboard.js';
import { FIXTURES, NODE, startTestDaemon } from '../helpers/daemon.js';
import { CHROMIUM } from '../helpers/chromium.js';
import { dashboardSuite } from '../helpers/dashboard-suite.js';

/** The running animations of the page, pseudo-elements included: their name and total length in ms (Infinity: endless). */
function animations(page: Page): Promise<Array<{ name: string; total: number }>> {
  return page.evaluate(() =>
    document.getAnimations().map((a) => {
      const t = a.effect!.getComputedTiming();
      return { name: (a as CSSAnimation).animationName ?? '', total: t.iterations === Infinity ? Infinity : Number(t.endTime) };
    }),
  );
}

describe.skipIf(!existsSync(CHROMIUM))('dashboard: blinking is bounded', () => {
  const env = dashboardSuite();

  it('the reconnecting dot blinks 5 s at most, and not at all with reduced motion', async () => {
    env.td = await startTestDaemon({ services: [{ name: 'steady', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] }, { plugins: [dashboardPlugin()] });
    const url = `http://127.0.0.1:${env.td.daemon.api!.port}/`;
    const page = await env.browser.newPage();
    const calm = await env.browser.newPage();
    await calm.emulateMedia({ reducedMotion: 'reduce' });
    for (const p of [page, calm]) {
      await p.goto(url);
      await p.locator('#conn[data-state="live"]').waitFor({ timeout: 20_000 });
    }
    await env.td.stop();
    env.td = undefined;
    for (const p of [page, calm]) await p.locator('#conn[data-state="reconnecting"]').waitFor({ timeout: 20_000 });

    const blinks = (await animations(page)).filter((a) => a.name === 'blink');
    expect(blinks.length).toBe(1);
    expect(blinks[0]!.total).toBeLessThanOrEqual(5_000);
    // A new event's highlight, as the page marks one (it may or may not have had one by now).
    await calm.evaluate(() => document.getElementById('events')!.insertAdjacentHTML('afterbegin', '<li class="ev fresh sev-info"><time>00:00:00</time><div class="head"><span class="etype">x</span></div></li>'));
    expect((await animations(calm)).filter((a) => a.name === 'blink' || a.name === 'fresh')).toEqual([]);
    await page.close();
    await calm.close();
  }, 60_000);
});
