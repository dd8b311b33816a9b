// The page kept its 2 s /api/status poll while the event stream was live: 30 requests a minute per open page at rest,
// though every change of state comes as an event (which asks the status itself). With the stream live the poll is a
// slow safety poll (10 s in app.js); with the stream down the 2 s poll is back, and events still bring the state.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { dashboardPlugin } from '../../src/server/dashboard.js';
import { FIXTURES, NODE, startTestDaemon } from '../helpers/daemon.js';
import { CHROMIUM } from '../helpers/chromium.js';
import { dashboardSuite } from '../helpers/dashboard-suite.js';
import { waitFor } from '../helpers/processes.js';

const WINDOW_MS = 20_000;

function statusRequests(page: Page): number[] {
  const asked: number[] = [];
  page.on('request', (r) => {
    if (new URL(r.url()).pathname === '/api/status') asked.push(Date.now());
  });
  return asked;
}

describe.skipIf(!existsSync(CHROMIUM))('dashboard: the status poll while the event stream is live', () => {
  const env = dashboardSuite();

  it('asks the status every 10 s at rest with the stream live, every 2 s with it down, and on events in a crash loop', async () => {
    env.td = await startTestDaemon(
      {
        services: [
          { name: 'steady', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] },
          {
            name: 'crashy',
            command: [NODE, path.join(FIXTURES, 'exit-with.mjs'), '1', '400'],
            restart: { backoff: { initial: '100ms', max: '300ms' }, intensity: { maxRestarts: 1000, window: '10m' } },
          },
        ],
      },
      { plugins: [dashboardPlugin()] },
    );
    const url = `http://127.0.0.1:${env.td.daemon.api!.port}/`;

    // At rest (the crashing service stopped first): the stream is live, nothing happens.
    await env.td.daemon.runtimes.get('crashy')!.stop();
    const rest = await env.browser.newPage();
    const restAsked = statusRequests(rest);
    await rest.goto(url);
    await rest.locator('#conn[data-state="live"]').waitFor({ timeout: 20_000 });
    await rest.locator('article[data-service="steady"] [data-field="state"]', { hasText: 'running' }).waitFor({ timeout: 20_000 });
    await new Promise((r) => setTimeout(r, 2000)); // the requests of the stream's opening are past
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, WINDOW_MS));
    const atRest = restAsked.filter((t) => t >= t0).length;
    console.log(`at rest, stream live: ${atRest} status requests in ${WINDOW_MS / 1000} s (${((atRest * 60_000) / WINDOW_MS).toFixed(0)} a minute)`);
    // Timers fire late, never early: 2 at 10 s (3 with one landing on each edge); it was 10 (every 2 s).
    expect(atRest).toBeLessThanOrEqual(Math.ceil(WINDOW_MS / 10_000) + 1);

    // A crash loop: its events ask the status (at most once per 1.5 s), and the state after them shows.
    await env.td.daemon.runtimes.get('crashy')!.start();
    await waitFor(() => env.td!.journal().filter((e) => e.type === 'service.exited' && e.service === 'crashy').length >= 2 || null, { timeoutMs: 30_000, message: 'crashy crash-looping' });
    const t1 = Date.now();
    await new Promise((r) => setTimeout(r, WINDOW_MS));
    const inLoop = restAsked.filter((t) => t >= t1).length;
    console.log(`crash loop, stream live: ${inLoop} status requests in ${WINDOW_MS / 1000} s (${((inLoop * 60_000) / WINDOW_MS).toFixed(0)} a minute)`);
    expect(inLoop).toBeLessThanOrEqual(Math.ceil(WINDOW_MS / 1500) + 2);
    expect(inLoop).toBeGreaterThan(atRest);
    const pid = env.td.daemon.runtimes.get('steady')!.status().pid;
    await env.td.daemon.runtimes.get('steady')!.restart();
    const after = env.td.daemon.runtimes.get('steady')!.status().pid;
    expect(after).not.toBe(pid);
    await rest.locator('article[data-service="steady"] [data-field="pid"]', { hasText: String(after) }).waitFor({ timeout: 20_000 });
    await env.td.daemon.runtimes.get('crashy')!.stop();
    await rest.close();

    // The stream down (refused by the browser here): the 2 s poll carries the page, six requests well before 10 s each.
    const down = await env.browser.newPage();
    await down.route('**/api/events', (route) => route.abort());
    const downAsked = statusRequests(down);
    await down.goto(url);
    await down.locator('article[data-service="steady"] [data-field="state"]', { hasText: 'running' }).waitFor({ timeout: 20_000 });
    const t2 = Date.now();
    await waitFor(() => downAsked.filter((t) => t >= t2).length >= 6 || null, { timeoutMs: 45_000, message: 'six status requests with the stream down' });
    await down.close();
  }, 180_000);
});
