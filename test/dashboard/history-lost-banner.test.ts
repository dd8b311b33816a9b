// The dashboard says the daemon's state history was reset (state.json unusable at start, moved aside) as `clawback
// status` does, until acknowledged: a real daemon started on a FIFO in state.json's place, headless Chromium.
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDashboard } from '../../src/server/dashboard.js';
import { FIXTURES, NODE, startTestDaemon, tempDir } from '../helpers/daemon.js';
import { CHROMIUM } from '../helpers/chromium.js';
import { dashboardSuite } from '../helpers/dashboard-suite.js';

const BANNER = '[data-field="history-lost"]';

describe.skipIf(!existsSync(CHROMIUM))('dashboard: a state history reset at start', () => {
  const env = dashboardSuite();

  it('shows where the old state.json went, and hides it once acknowledged', async () => {
    const dir = tempDir('clawback-history-lost-dash-');
    mkdirSync(path.join(dir, 'state'), { recursive: true, mode: 0o700 });
    execFileSync('mkfifo', [path.join(dir, 'state', 'state.json')]);
    const config = { services: [{ name: 'steady', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] };
    env.td = await startTestDaemon(config, { dir, heartbeatMs: 300, plugins: [{ name: 'dashboard', init: () => ({ dashboard: createDashboard() }) }] });
    const lost = env.td.journal().filter((e) => e.type === 'daemon.history-lost');
    expect(lost).toHaveLength(1);
    const movedTo = lost[0]!.details!['movedTo'] as string;
    expect(lstatSync(movedTo).isFIFO()).toBe(true);

    const api = env.td.daemon.api!;
    const page = await env.browser.newPage();
    await page.goto(`http://${api.host}:${api.port}/`);
    await page.waitForSelector('article[data-service="steady"]', { timeout: 20_000 });
    await page.waitForSelector(`${BANNER}:not([hidden])`, { timeout: 20_000 });
    const text = (await page.locator(BANNER).textContent()) ?? '';
    expect(text).toContain('State history reset');
    expect(text).toContain(movedTo);
    expect(text).toContain('clawback acknowledge');

    // What POST /api/daemon/acknowledge (`clawback acknowledge`) calls.
    expect(env.td.daemon.acknowledgePreviousDied('test').status).toBe(200);
    await page.waitForSelector(`${BANNER}[hidden]`, { state: 'attached', timeout: 20_000 });
    await page.close();
  }, 60_000);
});
