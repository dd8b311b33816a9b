// Every badge and text colour the page uses, on the ground it is drawn on, measured in headless Chromium: the grey level
// badge (dark text on #6e7681) was 4.12:1, under the 4.5:1 WCAG AA asks of small text. The page has one (dark) scheme.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dashboardPlugin } from '../../src/server/dashboard.js';
import { FIXTURES, NODE, startTestDaemon } from '../helpers/daemon.js';
import { CHROMIUM } from '../helpers/chromium.js';
import { dashboardSuite } from '../helpers/dashboard-suite.js';
import { lowContrast } from '../helpers/contrast.js';

describe.skipIf(!existsSync(CHROMIUM))('dashboard: every badge and text colour keeps 4.5:1', () => {
  const env = dashboardSuite();

  it('the live page, and a sample of every state class the page sets, drawn where the page draws it', async () => {
    const held = { name: 'held', command: [NODE, path.join(FIXTURES, 'exit-with.mjs'), '3', '50'], restart: { backoff: { initial: '50ms', max: '50ms' }, intensity: { maxRestarts: 2, window: '1m' } }, doctor: { attempts: 0 } };
    const steady = { name: 'steady', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] };
    env.td = await startTestDaemon({ services: [held, steady] }, { plugins: [dashboardPlugin()] });
    const page = await env.browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`http://127.0.0.1:${env.td.daemon.api!.port}/`);
    await page.locator('article[data-service="held"] [data-field="state"][data-v="held"]').waitFor({ timeout: 30_000 });
    await page.locator('article[data-service="steady"][data-state="running"]').waitFor({ timeout: 30_000 });
    await page.locator('#events li.ev').first().waitFor({ timeout: 30_000 });
    const report: string[] = [];

    // A sample of each class the page sets, in the places it sets them (the card's head and footer, the panels, the header).
    await page.evaluate(() => {
      const add = (where: Element, html: string): void => where.insertAdjacentHTML('beforeend', html);
      const head = document.querySelector('article[data-service="steady"] .card-head')!;
      for (const v of ['running', 'healthy', 'backoff', 'stopping', 'pending', 'held', 'unhealthy', 'stopped', 'none', 'unknown']) add(head, `<span class="badge" data-v="${v}">${v}</span>`);
      const alert = document.querySelector('article[data-service="held"] [data-field="held"]')!;
      for (const l of [0, 1, 2, 3, 4, 9]) add(alert, `<span class="lvl l${l}">L${l} x</span>`);
      const events = document.querySelector('#events')!;
      for (const sev of ['info', 'warning', 'critical', 'resolved']) add(events, `<li class="ev fresh sev-${sev}"><time>12:00:00</time><div class="head"><span class="lvl l9">L9</span><span class="etype">${sev}</span><span class="svc">svc</span></div><div class="msg">m</div></li>`);
      const footer = document.querySelector('article[data-service="steady"] footer.actions')!;
      for (const c of ['ok', 'error', 'busy']) add(footer, `<output class="action-msg ${c}">${c}</output>`);
      add(footer, '<button class="primary locked">p</button><button class="danger">d</button><span class="hint">hint</span>');
      const inc = document.querySelector('#incidents')!;
      for (const st of ['open', 'escalated', 'failed', 'resolved', 'closed']) add(inc, `<details class="inc"><summary><span class="st ${st}">${st}</span><span class="reason">r <time>1</time></span></summary></details>`);
      const summary = document.querySelector('#summary') as HTMLElement;
      summary.hidden = false;
      add(summary, '<span class="sum bad">b</span><span class="sum warn">w</span><span class="sum ok">o</span><strong>s</strong><a href="#">a</a>');
      const note = document.querySelector('article[data-service="steady"] [data-field="note"]')!;
      add(note, '<span class="warn">w</span>');
      const top = document.querySelector('header.top')!;
      for (const c of ['live', 'reconnecting', 'connecting', 'down']) add(top, `<span class="pill conn" data-state="${c}">${c}</span>`);
      add(top, '<span class="token-state">t</span><span class="token-state ok">ok</span>');
      for (const id of ['banner', 'daemon-degraded']) { const b = document.getElementById(id)!; b.hidden = false; b.textContent = id; }
    });
    // At the start of the highlight of a fresh event (its most tinted ground), then with every finite animation over.
    await page.evaluate(() => document.getAnimations().forEach((a) => { a.pause(); a.currentTime = 0; }));
    report.push(...(await lowContrast(page, 'body')).map((t) => `fresh: ${t}`));
    await page.evaluate(() => document.getAnimations().forEach((a) => (a.effect?.getComputedTiming().iterations === Infinity ? a.play() : a.finish())));
    report.push(...(await lowContrast(page, 'body')));
    expect(report).toEqual([]);
    await page.close();
  }, 90_000);
});
