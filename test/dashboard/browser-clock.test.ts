// The dashboard's times in headless Chromium against a real daemon, with the browser's clock an hour off the daemon's:
// uptimes come from the status's own (monotonic) ones and go on between polls, a restart starts them over, a stopped
// service has none, and an open incident's "open for" is read on the daemon's clock and goes on too.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { HOUR } from '../helpers/clock.js';
import { waitFor } from '../helpers/processes.js';
import { CHROMIUM, launchChromium } from '../helpers/chromium.js';


/** fmtDuration's text ("5s", "2m 5s", "1h 0m") back to seconds. */
function seconds(text: string | null): number {
  const m = /^(?:(\d+)h )?(?:(\d+)m ?)?(?:(\d+)s)?$/.exec(text ?? '');
  if (!m || text === '') throw new Error(`not a duration: ${JSON.stringify(text)}`);
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

/** A page whose Date reads `offsetMs` off the real clock (performance.now is untouched, as on a machine whose clock is wrong). */
async function pageWithClock(browser: Browser, offsetMs: number): Promise<Page> {
  const page = await browser.newPage();
  await page.addInitScript((off: number) => {
    const RealDate = Date;
    class OffDate extends RealDate {
      constructor(...a: unknown[]) {
        if (a.length === 0) super(RealDate.now() + off);
        else super(...(a as [number]));
      }
      static override now(): number {
        return RealDate.now() + off;
      }
    }
    (globalThis as { Date: DateConstructor }).Date = OffDate as DateConstructor;
  }, offsetMs);
  return page;
}

describe.skipIf(!existsSync(CHROMIUM))('dashboard times with the browser clock off the daemon', () => {
  let browser: Browser;
  let td: TestDaemon;
  let base: string;

  beforeAll(async () => {
    browser = await launchChromium();
    td = await startTestDaemon(
      {
        services: [
          { name: 'steady', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] },
          // Exits at once, then waits out a long backoff: an incident that stays open.
          { name: 'down', command: [NODE, path.join(FIXTURES, 'exit-with.mjs'), '2', '100'], restart: { backoff: { initial: '10m', max: '10m' } } },
        ],
      },
      // The default plugins: the dashboard and the incident history (/api/incidents) it draws.
    );
    base = `http://127.0.0.1:${td.daemon.api!.port}/`;
    await waitFor(() => td.daemon.runtimes.get('down')!.status().incident?.status === 'open' || null, { timeoutMs: 20_000, message: 'an open incident on down' });
  });

  afterAll(async () => {
    await browser?.close();
    await td?.stop();
  });

  for (const offset of [HOUR, -HOUR]) {
    it(`browser clock an hour ${offset > 0 ? 'ahead' : 'behind'}: uptimes are the daemon's and go on between polls`, async () => {
      const page = await pageWithClock(browser, offset);
      await page.goto(base);
      const card = page.locator('article[data-service="steady"]');
      await card.locator('[data-field="uptime"]').filter({ hasText: /\d+s$/ }).waitFor({ timeout: 20_000 });
      // Held between polls (no status answers): what is shown still goes on, from the last status's uptimes.
      await page.route('**/api/status', () => undefined);
      const shown: number[] = [];
      for (let i = 0; i < 4; i++) {
        const svc = seconds(await card.locator('[data-field="uptime"]').textContent());
        const daemonUp = seconds(await page.locator('[data-field="daemon-uptime"]').textContent());
        const st = td.daemon.runtimes.get('steady')!.status();
        const daemon = td.daemon.status().daemon as { uptimeMs: number };
        expect(Math.abs(svc - st.uptimeMs! / 1000), `steady: shown ${svc}s, is ${st.uptimeMs} ms`).toBeLessThanOrEqual(3);
        expect(Math.abs(daemonUp - daemon.uptimeMs / 1000), `daemon: shown ${daemonUp}s, is ${daemon.uptimeMs} ms`).toBeLessThanOrEqual(3);
        shown.push(svc);
        await page.waitForTimeout(1100);
      }
      for (let i = 1; i < shown.length; i++) expect(shown[i]).toBeGreaterThanOrEqual(shown[i - 1]!);
      expect(shown.at(-1)! - shown[0]!).toBeGreaterThanOrEqual(2);
      await page.close();
    }, 60_000);
  }

  it('an open incident is "open for" the daemon\'s time, also when the history answers before the status, and it goes on', async () => {
    const page = await pageWithClock(browser, HOUR);
    // The first status answers late (a busy daemon): the incident history is drawn before the browser knows the daemon's time.
    let held = true;
    await page.route('**/api/status', async (route) => {
      if (held) await new Promise((r) => setTimeout(r, 2500));
      held = false;
      await route.continue();
    });
    await page.goto(base);
    const inc = page.locator('#incidents details.inc[data-service="down"][data-status="open"] summary');
    await inc.waitFor({ timeout: 20_000 });
    const openedAt = td.daemon.runtimes.get('down')!.status().incident!.openedAt;
    const openFor = async (): Promise<number | null> => {
      const m = / · open for (.+)$/.exec((await inc.textContent()) ?? '');
      return m ? seconds(m[1]!) : null;
    };
    // Before the status: never the browser's clock (an hour too long).
    const early = await openFor();
    if (early !== null) expect(early).toBeLessThan(600);
    await page.locator('[data-field="daemon-uptime"]').waitFor({ timeout: 20_000 });
    await page.waitForTimeout(1200);
    const first = await openFor();
    expect(first).not.toBeNull();
    expect(Math.abs(first! - (Date.now() - openedAt) / 1000)).toBeLessThanOrEqual(3);
    // It goes on between the history's reloads (every 15 s).
    await page.waitForTimeout(3200);
    const later = await openFor();
    expect(later! - first!).toBeGreaterThanOrEqual(2);
    expect(Math.abs(later! - (Date.now() - openedAt) / 1000)).toBeLessThanOrEqual(3);
    await page.close();
  }, 60_000);

  it('a restart from the dashboard starts the uptime over; a stopped service shows none', async () => {
    const page = await pageWithClock(browser, -HOUR);
    await page.goto(`${base}#token=${td.daemon.token}`);
    const card = page.locator('article[data-service="steady"]');
    const uptime = card.locator('[data-field="uptime"]');
    await uptime.filter({ hasText: /\d+s$/ }).waitFor({ timeout: 20_000 });
    const pid = await card.getAttribute('data-pid');
    expect(seconds(await uptime.textContent())).toBeGreaterThanOrEqual(2);
    page.once('dialog', (d) => void d.accept()); // Restart asks first (restart-confirm.test.ts)
    await card.locator('button[data-action="restart"]').click();
    await page.locator(`article[data-service="steady"][data-state="running"]:not([data-pid="${pid}"])`).waitFor({ timeout: 20_000 });
    expect(seconds(await uptime.textContent())).toBeLessThanOrEqual(2);
    const res = await fetch(`${base}api/services/steady/stop`, { method: 'POST', headers: { authorization: `Bearer ${td.daemon.token}` } });
    expect(res.status).toBe(200);
    await page.locator('article[data-service="steady"][data-state="stopped"]').waitFor({ timeout: 20_000 });
    await page.waitForTimeout(1200);
    expect(await uptime.textContent()).toBe('—');
    expect(await card.locator('[data-field="health"]').textContent()).toBe('no process');
    await card.locator('button[data-action="start"]').click();
    await page.locator('article[data-service="steady"][data-state="running"]').waitFor({ timeout: 20_000 });
    await uptime.filter({ hasText: /\d+s$/ }).waitFor({ timeout: 5_000 });
    expect(seconds(await uptime.textContent())).toBeLessThanOrEqual(2);
    await page.close();
  }, 60_000);
});
