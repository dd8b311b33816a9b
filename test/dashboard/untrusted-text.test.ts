// What a service wrote reaches the dashboard (a log line a probe matched, in an event and a probe's tooltip): bidi
// controls ("Trojan Source": a line that reads differently from what it holds) and terminal escapes must show as
// visible escapes, never act on the text around them.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser } from 'playwright-core';
import { dashboardPlugin } from '../../src/server/dashboard.js';
import { NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { CHROMIUM, launchChromium } from '../helpers/chromium.js';

/** Held "user=\u202Enimda\u202C": a browser draws it as "user=admin". Then a colour escape and an OSC 8 link. */
const LINE = 'ALERT user=\u202Enimda\u202C \u2066#ok\u2069 \x1b[31mred\x1b[0m \x1b]8;;javascript:alert(1)\x07link\x1b]8;;\x07';
/** Bidi controls, C0 and C1 controls other than tab and newline: none may reach the page's text as it is. */
const HIDDEN = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
const SCRIPT = `setInterval(() => console.log(${JSON.stringify(LINE)}), 500)`;

describe.skipIf(!existsSync(CHROMIUM))('dashboard: untrusted text from a service', () => {
  let browser: Browser;
  let td: TestDaemon;

  beforeAll(async () => {
    browser = await launchChromium();
    td = await startTestDaemon(
      { services: [{ name: 'chatty', command: [NODE, '-e', SCRIPT], probes: [{ name: 'alerts', kind: 'log', pattern: 'ALERT', interval: '1s' }] }] },
      { plugins: [dashboardPlugin()] },
    );
    await waitFor(() => td.journal().find((e) => e.type === 'probe.failed' && e.message.includes('\u202E')), { timeoutMs: 50_000, message: 'the log probe reporting the line' });
  });
  afterAll(async () => {
    await td?.stop();
    await browser?.close();
  });

  it('shows bidi controls and escapes as visible escapes in events and probe tooltips', async () => {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${td.daemon.api!.port}/`);
    const event = page.locator('#events li[data-type="probe.failed"][data-service="chatty"] .msg').first();
    await event.waitFor({ timeout: 20_000 });
    const text = await event.textContent();
    expect(text).toContain('user=\\u202enimda\\u202c');
    expect(text).toContain('\\u2066#ok\\u2069');
    expect(text).toContain('\\x1b[31mred\\x1b[0m');
    expect(text).not.toMatch(HIDDEN);

    const probe = page.locator('article[data-service="chatty"] li[data-probe="alerts"]');
    await waitFor(async () => ((await probe.getAttribute('title')) ?? '').includes('ALERT') || null, { timeoutMs: 20_000, message: 'the probe tooltip naming the line' });
    const title = (await probe.getAttribute('title')) ?? '';
    expect(title).toContain('\\u202e');
    expect(title).not.toMatch(HIDDEN);
    expect(await probe.locator('.msg').textContent()).not.toMatch(HIDDEN);
    await page.close();
  });

  it('shows a maintenance reason and its author (a person\'s text, from the API or a chat command) with visible escapes', async () => {
    const base = `http://127.0.0.1:${td.daemon.api!.port}`;
    const reason = 'deploy \u202Eyfitrec\u202C \x1b[2Jdone';
    const by = 'ops\u2067 \x07bell';
    const res = await fetch(`${base}/api/services/chatty/maintenance?on=1&for=5m&reason=${encodeURIComponent(reason)}&by=${encodeURIComponent(by)}`, { method: 'POST', headers: { authorization: `Bearer ${td.daemon.token}` } });
    expect(res.status).toBe(200);
    const page = await browser.newPage();
    await page.goto(`${base}/`);
    const note = page.locator('article[data-service="chatty"] [data-field="maintenance"]:not([hidden])');
    await note.waitFor({ timeout: 20_000 });
    const text = (await note.textContent()) ?? '';
    expect(text).toContain('deploy \\u202eyfitrec\\u202c \\x1b[2Jdone');
    expect(text).toContain('ops\\u2067 \\x07bell');
    expect(text).not.toMatch(HIDDEN);
    await page.close();
    await fetch(`${base}/api/services/chatty/maintenance?on=0`, { method: 'POST', headers: { authorization: `Bearer ${td.daemon.token}` } });
  });
});
