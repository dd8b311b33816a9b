// With many services, what needs a person is said at the top: "1 held at Level 4", "2 restarting", without scrolling
// past 20 cards. The line links to the cards, and is not redrawn (re-announced) when nothing changed.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser } from 'playwright-core';
import { dashboardPlugin } from '../../src/server/dashboard.js';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { CHROMIUM, launchChromium } from '../helpers/chromium.js';

const STEADY = 20;

describe.skipIf(!existsSync(CHROMIUM))('dashboard: the summary line', () => {
  let browser: Browser;
  let td: TestDaemon;

  beforeAll(async () => {
    browser = await launchChromium();
    const steady = Array.from({ length: STEADY }, (_, i) => ({ name: `svc-${String(i).padStart(2, '0')}`, command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }));
    // Crash-loops into a hold at once: no doctor attempt, no agent, so a human's turn (Level 4).
    const held = { name: 'zz-held', command: [NODE, path.join(FIXTURES, 'exit-with.mjs'), '3', '50'], restart: { backoff: { initial: '50ms', max: '50ms' }, intensity: { maxRestarts: 2, window: '1m' } }, doctor: { attempts: 0 } };
    // Exits, then waits a long backoff: "restarting" for the whole test.
    const slow = (name: string) => ({ name, command: [NODE, path.join(FIXTURES, 'exit-with.mjs'), '3', '50'], restart: { backoff: { initial: '10m', max: '10m', jitter: 0 }, intensity: { maxRestarts: 50, window: '1m' } } });
    td = await startTestDaemon({ services: [...steady, slow('zz-restart-a'), slow('zz-restart-b'), held] }, { plugins: [dashboardPlugin()] });
    await waitFor(() => td.daemon.runtimes.get('zz-held')!.status().held || null, { timeoutMs: 30_000, message: 'zz-held held' });
  }, 60_000);
  afterAll(async () => {
    await td?.stop();
    await browser?.close();
  });

  it('says at the top what is held (at which level) and what is restarting, with links to the cards', async () => {
    const level = td.daemon.runtimes.get('zz-held')!.status().incident?.level;
    expect(level).toBe(4);
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.goto(`http://127.0.0.1:${td.daemon.api!.port}/`);
    const summary = page.locator('[data-field="summary"]');
    await summary.filter({ hasText: '2 restarting' }).waitFor({ timeout: 30_000 });
    const text = (await summary.textContent()) ?? '';
    expect(text).toContain(`${STEADY + 3} services`);
    expect(text).toContain('1 held at Level 4 (zz-held)');
    expect(text).toContain('2 restarting (zz-restart-a, zz-restart-b)');
    // Held comes first, and the line is in the first screen, above the cards.
    expect(text.indexOf('held')).toBeLessThan(text.indexOf('restarting'));
    const box = (await summary.boundingBox())!;
    expect(box.y + box.height).toBeLessThan(720);
    const first = (await page.locator('article.card').first().boundingBox())!;
    expect(box.y).toBeLessThan(first.y);
    // The link takes a keyboard user to the held card.
    await summary.locator('a', { hasText: 'zz-held' }).focus();
    await page.keyboard.press('Enter');
    await waitFor(async () => (await page.evaluate(() => location.hash)) === '#card:zz-held' || null, { timeoutMs: 5_000 });
    // Not rebuilt on a poll that changed nothing (a screen reader would read it again every 2 s).
    await page.evaluate(() => {
      const w = window as unknown as { summaryMutations: number };
      w.summaryMutations = 0;
      new MutationObserver((m) => { w.summaryMutations += m.length; }).observe(document.getElementById('summary')!, { childList: true, subtree: true, characterData: true });
    });
    const polls = (): Promise<number> => page.evaluate(() => performance.getEntriesByType('resource').filter((r) => r.name.endsWith('/api/status')).length);
    const before = await polls();
    // Two polls: every 10 s while the event stream is live.
    await waitFor(async () => ((await polls()) >= before + 2) || null, { timeoutMs: 40_000 });
    expect(await page.evaluate(() => (window as unknown as { summaryMutations: number }).summaryMutations)).toBe(0);
    await page.close();
  }, 90_000);
});
