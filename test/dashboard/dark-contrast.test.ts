// Text contrast on the dark page, measured in headless Chromium from the computed colours (opacity and translucent
// grounds composited): a stale page (daemon not answering) dimmed every card to 60 %, its grey and red text to 2.4-2.8:1,
// when the page is read to find out what went wrong. WCAG AA asks 4.5:1 for small text.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import { dashboardPlugin } from '../../src/server/dashboard.js';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { CHROMIUM, launchChromium } from '../helpers/chromium.js';

/** Every visible text in the cards whose contrast is under 4.5:1: "text (ratio)". Disabled buttons are exempt (WCAG). */
function lowContrast(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const parse = (c: string): number[] => (c.match(/[\d.]+/g) ?? ['0', '0', '0', '0']).map(Number).concat([1]).slice(0, 4);
    const over = (top: number[], under: number[], a = top[3]!): number[] => [0, 1, 2].map((i) => top[i]! * a + under[i]! * (1 - a)).concat([1]);
    const lum = (c: number[]): number => {
      const [r, g, b] = c.slice(0, 3).map((v) => v / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
      return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
    };
    const page = parse(getComputedStyle(document.body).backgroundColor);
    const bad: string[] = [];
    for (const e of Array.from(document.querySelectorAll<HTMLElement>('#services article.card *'))) {
      const own = Array.from(e.childNodes).some((n) => n.nodeType === 3 && n.textContent!.trim() !== '');
      if (!own || e.closest('[hidden], svg, button:disabled') || e.getClientRects().length === 0) continue;
      // The ground: the ancestors' backgrounds composited from the page up; then the opacities of the chain.
      const chain: HTMLElement[] = [];
      for (let a: HTMLElement | null = e; a; a = a.parentElement) chain.unshift(a);
      let ground = page;
      let opacity = 1;
      for (const a of chain) {
        const st = getComputedStyle(a);
        ground = over(parse(st.backgroundColor), ground);
        opacity *= Number(st.opacity);
      }
      const fg = over(parse(getComputedStyle(e).color), ground);
      const [f, b] = [over(fg, page, opacity), over(ground, page, opacity)].map(lum);
      const ratio = (Math.max(f!, b!) + 0.05) / (Math.min(f!, b!) + 0.05);
      if (ratio < 4.5) bad.push(`${e.textContent!.trim().slice(0, 40)} (${ratio.toFixed(2)})`);
    }
    return bad;
  });
}

describe.skipIf(!existsSync(CHROMIUM))('dashboard: dark page text contrast', () => {
  let browser: Browser;
  let td: TestDaemon | undefined;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await td?.stop();
    await browser?.close();
  });

  it('card texts keep 4.5:1, a held badge and a stale page (daemon not answering) included', async () => {
    const held = { name: 'held', command: [NODE, path.join(FIXTURES, 'exit-with.mjs'), '3', '50'], restart: { backoff: { initial: '50ms', max: '50ms' }, intensity: { maxRestarts: 2, window: '1m' } }, doctor: { attempts: 0 } };
    const steady = { name: 'steady', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] };
    td = await startTestDaemon({ services: [held, steady] }, { plugins: [dashboardPlugin()] });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`http://127.0.0.1:${td.daemon.api!.port}/`);
    await page.locator('article[data-service="held"] [data-field="state"][data-v="held"]').waitFor({ timeout: 30_000 });
    await page.locator('article[data-service="steady"][data-state="running"]').waitFor({ timeout: 30_000 });
    expect(await lowContrast(page)).toEqual([]);

    // The daemon stops answering: the page shows its last state, still readable.
    await td.stop();
    td = undefined;
    await page.locator('body[data-stale]').waitFor({ timeout: 20_000 });
    expect(await lowContrast(page)).toEqual([]);
    await page.close();
  }, 90_000);
});
