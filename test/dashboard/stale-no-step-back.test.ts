// The page counts uptimes and "open for" on between polls; a daemon that stops answering is noticed only when a poll
// times out (up to 5 s later), and the page then showed every time as of the daemon's last answer: the uptimes it had
// counted on stepped back by those seconds (12s, 13s, 14s, then 9s). While stale the times now hold where they were.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, NODE } from '../helpers/daemon.js';
import { CHROMIUM } from '../helpers/chromium.js';
import { useFrozenDaemonPage } from '../helpers/frozen-daemon-page.js';

describe.skipIf(!existsSync(CHROMIUM))('dashboard: times never step back when the daemon stops answering', () => {
  const bed = useFrozenDaemonPage('clawback-stale-back-');

  it('holds the uptimes where they were once stale, and says what time they were held at', async () => {
    const { daemon, url } = await bed.start([{ name: 'steady', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }]);

    const page = await bed.browser().newPage();
    await page.goto(url);
    await page.waitForSelector('#conn[data-state="live"]', { timeout: 20_000 });
    await page.locator('article[data-service="steady"] [data-field="uptime"]').filter({ hasText: /\d+s$/ }).waitFor({ timeout: 20_000 });
    // Every value each time shows, recorded in the page as it is written (a MutationObserver), not sampled.
    await page.evaluate(() => {
      const w = window as unknown as { seen: Record<string, string[]> };
      w.seen = { uptime: [], daemon: [] };
      const watch = (sel: string, key: string) => {
        const node = document.querySelector(sel)!;
        const list = w.seen[key]!;
        new MutationObserver(() => { const t = document.querySelector(sel)?.textContent ?? ''; if (list.at(-1) !== t) list.push(t); })
          .observe(node.parentNode!, { subtree: true, childList: true, characterData: true });
      };
      watch('article[data-service="steady"] [data-field="uptime"]', 'uptime');
      watch('[data-field="daemon-uptime"]', 'daemon');
    });
    process.kill(daemon.pid, 'SIGSTOP');
    await page.waitForSelector('#conn[data-state="reconnecting"]', { timeout: 20_000 });
    await page.waitForTimeout(2_200);
    const seen = await page.evaluate(() => (window as unknown as { seen: Record<string, string[]> }).seen);
    const secs = (t: string) => { const m = /^(?:(\d+)m ?)?(\d+)s$/.exec(t); return m ? Number(m[1] ?? 0) * 60 + Number(m[2]) : NaN; };
    for (const key of ['uptime', 'daemon']) {
      const texts = seen[key] ?? [];
      const values = texts.map(secs);
      expect(values.length, `${key}: ${texts.join(', ')}`).toBeGreaterThan(1);
      for (let i = 1; i < values.length; i++) expect(values[i], `${key} went ${texts.join(', ')}`).toBeGreaterThanOrEqual(values[i - 1]!);
    }
    expect(await page.locator('#banner').textContent()).toMatch(/last known state, as of \d\d:\d\d:\d\d.*times held at \d\d:\d\d:\d\d/);
    await page.close();
  }, 120_000);
});
