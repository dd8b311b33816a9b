// Keyboard access to the incident history: the list is rebuilt on every incident event and every 15 s; a person who
// had tabbed to an incident (to open it with Enter) was thrown back to the top of the page by each rebuild.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NODE, startTestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { CHROMIUM } from '../helpers/chromium.js';
import { dashboardSuite } from '../helpers/dashboard-suite.js';

describe.skipIf(!existsSync(CHROMIUM))('dashboard: keyboard focus in the incident history', () => {
  const env = dashboardSuite();

  it('stays on the incident it was on when the list is rebuilt', async () => {
    // The default plugins: the dashboard and the incident history. Crashes 1.5 s after each start: an incident, then another, each one's events reload the history.
    env.td = await startTestDaemon(
      { services: [{ name: 'crashy', command: [NODE, '-e', 'setTimeout(() => process.exit(1), 1500)'], restart: { backoff: { initial: '200ms', max: '1s', jitter: 0 }, intensity: { maxRestarts: 50, window: '5m' } } }] },
    );
    const api = env.td.daemon.api!;
    const page = await env.browser.newPage();
    await page.goto(`http://${api.host}:${api.port}/`);
    const first = page.locator('#incidents details.inc summary').first();
    await first.waitFor({ timeout: 30_000 });
    await first.focus();
    const id = await page.evaluate(() => {
      const d = (document.activeElement as HTMLElement).closest('details') as HTMLElement & { marked?: boolean };
      d.marked = true;
      return d.dataset.id;
    });
    expect(id).toBeTruthy();
    // The list is rebuilt (a new node for that incident) ...
    await waitFor(() => page.evaluate((i) => !(document.querySelector(`#incidents details.inc[data-id="${i}"]`) as (HTMLElement & { marked?: boolean }) | null)?.marked, id), { timeoutMs: 30_000, message: 'the history rebuilt' });
    // ... and the focus is on the same incident's summary, not on the page's body.
    const focused = await page.evaluate(() => {
      const a = document.activeElement as HTMLElement | null;
      return a && a.tagName === 'SUMMARY' ? (a.closest('details') as HTMLElement).dataset.id : a?.tagName;
    });
    expect(focused).toBe(id);
    // Enter still opens it.
    await page.keyboard.press('Enter');
    await page.locator(`#incidents details.inc[data-id="${id}"][open]`).waitFor({ timeout: 5_000 });
    await page.close();
  }, 90_000);
});
