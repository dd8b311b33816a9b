// In a crash loop each sparkline drew one dashed line per restart it saw, kept for the chart's 5 minutes: the page's
// DOM grew by ~1 element a second (flat JS heap) long after the events list was full. The marks of a sparkline are now
// at least 4 px apart (MARK_GAP_PX in app.js), so their count is bounded by its width, whatever the restart rate.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dashboardPlugin } from '../../src/server/dashboard.js';
import { FIXTURES, NODE, startTestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { CHROMIUM } from '../helpers/chromium.js';
import { dashboardSuite } from '../helpers/dashboard-suite.js';

const WIDTH = 40; // the narrowest a sparkline is drawn (sparkWidth): a 40 s span puts restarts ~1 px apart
const GAP = 4;

describe.skipIf(!existsSync(CHROMIUM))('dashboard: sparkline marks in a crash loop', () => {
  const env = dashboardSuite();

  it('draws restart marks at most one per 4 px of the chart', async () => {
    env.td = await startTestDaemon({
      services: [{
        name: 'crashy',
        command: [NODE, path.join(FIXTURES, 'exit-with.mjs'), '1', '1200'],
        restart: { backoff: { initial: '100ms', max: '200ms' }, intensity: { maxRestarts: 1000, window: '10s' }, flapping: { window: 0 } },
        probes: [{ kind: 'process', interval: '1s' }, { kind: 'memory', limit: '1GiB', interval: '1s' }],
      }],
    }, { plugins: [dashboardPlugin()] });
    const page = await env.browser.newPage();
    await page.goto(`http://127.0.0.1:${env.td.daemon.api!.port}/`);
    await page.addStyleTag({ content: `.spark svg { width: ${WIDTH}px !important; }` });
    await page.locator('#conn[data-state="live"]').waitFor({ timeout: 20_000 });
    // ~45 s of a crash loop: a new pid about every 1.4 s, 30 restarts within the chart's span (~1 px apart at 40 px).
    await waitFor(async () => {
      const n = await page.locator('article[data-service="crashy"] .spark.mem svg line.restart').count();
      return env.td!.daemon.runtimes.get('crashy')!.status().restarts >= 30 ? n + 1 : null;
    }, { timeoutMs: 120_000, intervalMs: 500, message: '30 restarts' });
    await page.waitForTimeout(2_500); // a poll or two after the last count
    for (const chart of ['mem']) { // the one with points here: the process probe gives no latency
      const svg = page.locator(`article[data-service="crashy"] .spark.${chart} svg`);
      const xs = await svg.locator('line.restart').evaluateAll((ls) => ls.map((l) => Number(l.getAttribute('x1'))));
      const width = await svg.evaluate((s) => s.getBoundingClientRect().width);
      console.log(`${chart}: ${xs.length} restart marks in ${width} px`);
      expect(width).toBeLessThanOrEqual(WIDTH + 1);
      expect(xs.length).toBeGreaterThan(0);
      expect(xs.length).toBeLessThanOrEqual(Math.floor(WIDTH / GAP) + 1);
    }
    await page.close();
  }, 180_000);
});
