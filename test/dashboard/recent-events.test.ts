// The dashboard's backlog: GET /api/events/recent serves the journal's tail, and a page opened after an incident shows
// its events at once, without waiting for a new one.
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser } from 'playwright-core';
import { dashboardPlugin } from '../../src/server/dashboard.js';
import { readRecentEvents, recentLimit } from '../../src/server/dashboard-events.js';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { CHROMIUM, launchChromium } from '../helpers/chromium.js';


describe('readRecentEvents', () => {
  it('returns the last N well-formed events, oldest first, from a bounded tail', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'clawback-recent-'));
    const file = path.join(dir, 'journal.jsonl');
    expect(await readRecentEvents(file, 10)).toEqual([]);
    const lines = Array.from({ length: 50 }, (_, i) => JSON.stringify({ type: 'service.started', time: 1000 + i, severity: 'info', message: `e${i}` }));
    lines.splice(20, 0, '{"torn": ', 'not json');
    writeFileSync(file, lines.join('\n') + '\n');
    const last5 = await readRecentEvents(file, 5);
    expect(last5.map((e) => e.message)).toEqual(['e45', 'e46', 'e47', 'e48', 'e49']);
    // A tail that starts mid-line drops the cut line instead of failing.
    const small = await readRecentEvents(file, 100, 300);
    expect(small.length).toBeGreaterThan(0);
    expect(small.at(-1)!.message).toBe('e49');
    expect(small.every((e) => typeof e.type === 'string')).toBe(true);
    expect(recentLimit(new URLSearchParams('limit=7'))).toBe(7);
    expect(recentLimit(new URLSearchParams(''))).toBe(100);
    // Not a whole number from 1 to 500: a 400 naming it, not a silent 100 or 500.
    expect(recentLimit(new URLSearchParams('limit=-1'))).toMatchObject({ status: 400, body: { error: 'limit: expected a whole number from 1 to 500 (default 100), got "-1"' } });
    expect(recentLimit(new URLSearchParams('limit=99999'))).toMatchObject({ status: 400 });
  });
});

describe('dashboard backlog against a real daemon', () => {
  let td: TestDaemon;
  let base: string;
  let browser: Browser | undefined;

  beforeAll(async () => {
    td = await startTestDaemon(
      // Exits 78 (EX_CONFIG) at once: an incident, held for a human, then nothing new happens.
      { services: [{ name: 'worker', command: [NODE, path.join(FIXTURES, 'exit-with.mjs'), '78', '200'] }] },
      { plugins: [dashboardPlugin()] },
    );
    base = `http://127.0.0.1:${td.daemon.api!.port}/`;
    await waitFor(() => td.journal().some((e) => e.type === 'incident.opened' || e.type === 'incident.escalated') || null, {
      timeoutMs: 20_000,
      message: 'an incident in the journal',
    });
  });

  afterAll(async () => {
    await browser?.close();
    await td?.stop();
  });

  it('GET /api/events/recent returns the journal events, oldest first', async () => {
    const res = await fetch(`${base}api/events/recent?limit=50`);
    expect(res.status).toBe(200);
    const events = (await res.json()) as Array<{ type: string; time: number; service?: string }>;
    expect(events.some((e) => e.type === 'service.exited' && e.service === 'worker')).toBe(true);
    const times = events.map((e) => e.time);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });

  it.skipIf(!existsSync(CHROMIUM))('a page opened after the incident lists its events at once', async () => {
    browser = await launchChromium(['--disable-component-update', '--disable-sync']);
    const page = await browser.newPage();
    const journaled = td.journal().length;
    await page.goto(base);
    await page.waitForSelector('#events li[data-type="service.exited"][data-service="worker"]', { timeout: 20_000 });
    // Shown from the backlog: nothing new was journaled since the page opened.
    expect(td.journal().length).toBe(journaled);
    const shown = await page.locator('#events li[data-type]').count();
    expect(shown).toBeGreaterThanOrEqual(Math.min(journaled, 200));
    await page.close();
  }, 60_000);
});
