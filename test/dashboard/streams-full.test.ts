// Every live event stream taken (other tabs, other viewers): the daemon answers 503 with why, and the page's pill said
// only "The event stream dropped; reconnecting" for as long as the others stayed open.
import net from 'node:net';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser } from 'playwright-core';
import { dashboardPlugin } from '../../src/server/dashboard.js';
import { SSE_MAX_SUBSCRIBERS } from '../../src/server/api-server.js';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { CHROMIUM, launchChromium } from '../helpers/chromium.js';

function openStream(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1' }, () => {
      s.write(`GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: text/event-stream\r\n\r\n`);
      s.once('data', () => resolve(s));
    });
    s.once('error', reject);
  });
}

describe.skipIf(!existsSync(CHROMIUM) || !existsSync('/bin/sleep'))('dashboard: every event stream taken', () => {
  let browser: Browser;
  let td: TestDaemon;
  const streams: net.Socket[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
    td = await startTestDaemon({ services: [{ name: 'web', command: ['/bin/sleep', '600'] }] }, { plugins: [dashboardPlugin()] });
    for (let i = 0; i < SSE_MAX_SUBSCRIBERS; i++) streams.push(await openStream(td.daemon.api!.port));
  }, 60_000);
  afterAll(async () => {
    for (const s of streams) s.destroy();
    await td?.stop();
    await browser?.close();
  });

  it('the connection pill says the daemon refused the stream and why', async () => {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${td.daemon.api!.port}/`);
    await page.locator('article[data-service="web"]').waitFor({ timeout: 30_000 });
    const pill = page.locator('#conn');
    await expect.poll(() => pill.getAttribute('title'), { timeout: 20_000 }).toContain(`${SSE_MAX_SUBSCRIBERS} live event streams are open already`);
    expect(await pill.getAttribute('title')).toMatch(/refused the live event stream/);
    // One stream freed: the page gets it, and the pill goes live.
    streams.pop()!.destroy();
    await expect.poll(() => pill.getAttribute('data-state'), { timeout: 20_000 }).toBe('live');
    await page.close();
  }, 60_000);
});
