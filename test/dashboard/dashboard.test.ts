// The dashboard in real headless Chromium against a real daemon supervising the real demo gateway.
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import { createDashboard } from '../../src/server/dashboard.js';
import { probeHealthWatch } from '../../src/daemon/health-watch.js';
import { summarizeIncidents } from '../../src/observe/incidents.js';
import type { ClawbackEvent } from '../../src/observe/events.js';
import { NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { DEMO_GATEWAY_SERVER } from '../helpers/demo.js';
import { FIXTURES } from '../helpers/daemon.js';
import { freePort } from '../helpers/ports.js';
import { CHROMIUM, launchChromium } from '../helpers/chromium.js';

const WAIT = 20_000;
const CARD = 'article[data-service="gateway"]';
const WORKER = 'article[data-service="worker"]';

interface GatewayStatus {
  pid: number | null;
  state: string;
  restarts: number;
}

describe.skipIf(!existsSync(CHROMIUM))('dashboard in a browser', () => {
  let browser: Browser;
  let td: TestDaemon;
  let page: Page;
  let base: string;
  let gatewayPort: number;
  /** Flipped by the test: /api/incidents answers 404 until then (as before the lead adds the route). */
  let serveIncidents = false;
  const seen: ClawbackEvent[] = [];
  const pageErrors: string[] = [];

  const status = async (): Promise<GatewayStatus> => {
    const res = await fetch(`${base}api/status`);
    const body = (await res.json()) as { services: GatewayStatus[] };
    return body.services[0]!;
  };
  const cardPid = (p: Page): Promise<string | null> => p.locator(CARD).getAttribute('data-pid');

  beforeAll(async () => {
    browser = await launchChromium(['--disable-quic', '--disable-component-update', '--disable-sync']);
    gatewayPort = await freePort();
    td = await startTestDaemon(
      {
        services: [
          {
            name: 'gateway',
            command: [NODE, DEMO_GATEWAY_SERVER, '--port', String(gatewayPort)],
            probes: [
              { kind: 'http', url: `http://127.0.0.1:${gatewayPort}/health`, interval: '500ms', timeout: '500ms', failureThreshold: 2 },
              { kind: 'memory', interval: '1s', warn: '1GB' },
            ],
          },
          // Exits 78 (EX_CONFIG) at once: held, waiting for a human to resume it.
          { name: 'worker', command: [NODE, path.join(FIXTURES, 'exit-with.mjs'), '78', '200'] },
        ],
      },
      {
        makeHealthWatch: (service, _rt, events, ctx) =>
          probeHealthWatch({ service, logFile: path.join(ctx.stateDir, 'logs', `${service.name}.log`), clock: ctx.clock, events, emit: ctx.emit }),
        plugins: [
          {
            name: 'dashboard',
            init: (ctx) => {
              ctx.bus.subscribe((e) => seen.push(e));
              return {
                dashboard: createDashboard(),
                extra: async (p, q) => {
                  if (!serveIncidents || p !== '/api/incidents') return undefined;
                  return summarizeIncidents(seen).reverse().slice(0, Number(q.get('limit') ?? 20));
                },
              };
            },
          },
        ],
      },
    );
    base = `http://127.0.0.1:${td.daemon.api!.port}/`;
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.on('pageerror', (err) => pageErrors.push(err.message));
  });

  afterAll(async () => {
    await browser?.close();
    await td?.stop();
  });

  it('serves the assets with their content types', async () => {
    for (const [p, type] of [
      ['', 'text/html'],
      ['app.js', 'text/javascript'],
      ['app.css', 'text/css'],
      ['favicon.svg', 'image/svg+xml'],
    ] as const) {
      const res = await fetch(`${base}${p}`);
      expect(res.status, p).toBe(200);
      expect(res.headers.get('content-type'), p).toContain(type);
      await res.arrayBuffer();
    }
  });

  it('loads and shows the service running and healthy, live, without incident history', async () => {
    await page.goto(base);
    await page.waitForSelector(`${CARD}[data-state="running"][data-health="healthy"]`, { timeout: WAIT });
    await page.waitForSelector('#conn[data-state="live"]', { timeout: WAIT });
    expect(await page.locator(`${CARD} [data-field="state"]`).textContent()).toBe('running');
    expect(await page.locator('#daemon-meta').textContent()).toMatch(/v\d+\.\d+\.\d+/);
    await page.waitForSelector(`${CARD} li[data-probe="http"][data-verdict="healthy"]`, { timeout: WAIT });
    await page.waitForSelector('[data-field="no-history"]', { timeout: WAIT });
    expect((await page.locator('#incidents').textContent())!.toLowerCase()).toContain('no incident history');
    expect(await cardPid(page)).toBe(String((await status()).pid));
    // Read-only without a token, and says so.
    expect(await page.locator('#token-state').textContent()).toBe('read-only');
    expect(await page.locator(`${CARD} [data-field="hint"]`).textContent()).toContain('token needed');
    expect(await page.locator(`${CARD} button[data-action="resume"]`).isDisabled()).toBe(true);
    // The held service says so, and only it can be resumed.
    await page.waitForSelector(`${WORKER}[data-state="held"] [data-field="held"]:not([hidden])`, { timeout: WAIT });
    expect(await page.locator(`${WORKER} button[data-action="resume"]`).isDisabled()).toBe(false);
    expect(await page.locator(`${WORKER} [data-field="held"]`).textContent()).toContain('config');
  });

  it('shows a crash and the restart live, without reloading', async () => {
    serveIncidents = true;
    await page.evaluate(() => {
      (window as unknown as { notReloaded: boolean }).notReloaded = true;
    });
    const before = await status();
    const restartsBefore = Number(await page.locator(`${CARD} [data-field="restarts"]`).textContent());
    expect(restartsBefore).toBe(before.restarts);

    const res = await fetch(`http://127.0.0.1:${gatewayPort}/fault/crash`, { method: 'POST' });
    expect(res.status).toBe(202);

    await page.waitForSelector('#events li[data-type="service.exited"][data-service="gateway"]', { timeout: WAIT });
    await page.waitForFunction(
      ({ card, n, pid }) => {
        const el = document.querySelector(card) as HTMLElement | null;
        const restarts = Number(el?.querySelector('[data-field="restarts"]')?.textContent);
        return !!el && restarts > n && el.dataset.pid !== pid && el.dataset.pid !== '' && el.dataset.state === 'running';
      },
      { card: CARD, n: restartsBefore, pid: String(before.pid) },
      { timeout: WAIT },
    );
    await page.waitForSelector(`${CARD}[data-health="healthy"]`, { timeout: WAIT });
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    expect(await page.locator('#events li[data-type="incident.opened"][data-service="gateway"]').count()).toBeGreaterThan(0);
    // The history panel now lists the incident with its level.
    await page.waitForSelector('#incidents details.inc[data-service="gateway"] .lvl.l0', { timeout: WAIT });
  });

  it('refuses Restart without a token (401 shown, pid unchanged)', async () => {
    const before = await status();
    expect(before.state).toBe('running');
    page.once('dialog', (d) => void d.accept()); // Restart asks first (restart-confirm.test.ts)
    await page.click(`${CARD} button[data-action="restart"]`);
    await page.waitForFunction((card) => /401/.test(document.querySelector(`${card} [data-field="action-msg"]`)?.textContent ?? ''), CARD, { timeout: WAIT });
    expect(await page.locator(`${CARD} [data-field="action-msg"]`).textContent()).toContain('token');
    await new Promise((r) => setTimeout(r, 300));
    expect((await status()).pid).toBe(before.pid);
    expect(await cardPid(page)).toBe(String(before.pid));
  });

  it('restarts with the token from the URL fragment, and drops it from the address bar', async () => {
    const tokened = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    tokened.on('pageerror', (err) => pageErrors.push(err.message));
    try {
      await tokened.goto(`${base}#token=${encodeURIComponent(td.daemon.token)}`);
      await tokened.waitForSelector(`${CARD}[data-state="running"]`, { timeout: WAIT });
      expect(await tokened.evaluate(() => location.hash)).toBe('');
      expect(await tokened.evaluate(() => sessionStorage.getItem('clawback.token'))).toBe(td.daemon.token);
      expect(await tokened.locator('#token-state').textContent()).toBe('control enabled');
      const before = await status();
      tokened.once('dialog', (d) => void d.accept()); // Restart asks first (restart-confirm.test.ts)
      await tokened.click(`${CARD} button[data-action="restart"]`);
      await tokened.waitForFunction(
        ({ card, pid }) => {
          const el = document.querySelector(card) as HTMLElement | null;
          return !!el && el.dataset.state === 'running' && el.dataset.pid !== '' && el.dataset.pid !== pid;
        },
        { card: CARD, pid: String(before.pid) },
        { timeout: WAIT },
      );
      const after = await status();
      expect(after.pid).not.toBe(before.pid);
      expect(await tokened.locator(`${CARD} [data-field="action-msg"]`).textContent()).not.toContain('401');

      // Resume the held worker: the daemon starts it again (it exits 78 again and is held again).
      const startedBefore = await tokened.locator('#events li[data-type="service.started"][data-service="worker"]').count();
      await tokened.click(`${WORKER} button[data-action="resume"]`);
      await tokened.waitForFunction((w) => /resume worker/.test(document.querySelector(`${w} [data-field="action-msg"]`)?.textContent ?? ''), WORKER, { timeout: WAIT });
      await tokened.waitForFunction(
        (n) => document.querySelectorAll('#events li[data-type="service.started"][data-service="worker"]').length > n,
        startedBefore,
        { timeout: WAIT },
      );
    } finally {
      await tokened.close();
    }
  });

  it('accepts a pasted token', async () => {
    await page.fill('#token-input', td.daemon.token);
    await page.click('#token-use');
    expect(await page.locator('#token-state').textContent()).toBe('control enabled');
    expect(await page.locator(`${CARD} [data-field="hint"]`).textContent()).toBe('');
  });

  it('takes a screenshot of the live page', async () => {
    await page.waitForSelector(`${CARD}[data-health="healthy"]`, { timeout: WAIT });
    await page.waitForFunction((card) => document.querySelectorAll(`${card} .spark.lat svg path.line`).length > 0, CARD, { timeout: WAIT });
    await page.click('#incidents details.inc[data-service="gateway"] summary');
    await page.waitForSelector('#incidents details.inc[open] li[data-type="incident.opened"]', { timeout: WAIT });
    await page.waitForSelector(`${WORKER}[data-state="held"]`, { timeout: WAIT });
    // In this run's own directory: a fixed /tmp path was shared with every other run on the machine (another clone's
    // run could truncate it between this write and the stat, or own it so this write failed).
    const shot = path.join(td.dir, 'clawback-dashboard.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect(statSync(shot).size).toBeGreaterThan(1000);
    // Narrow screens: one column, nothing wider than the viewport.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(400); // the page redraws its sparklines 150 ms after a resize
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: path.join(td.dir, 'clawback-dashboard-narrow.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  });
});
