// Alerts a full outbox dropped or folded (notify.overflowed) were said by `clawback status` (ALERTS NOT DELIVERED) and
// by nothing on the dashboard. Driven for real through the `dropped` path: 14 alerts spooled for "ops" while its
// endpoint did not answer; "ops" then sends elsewhere with outboxLimit 10, so the 4 oldest kept ones are dropped.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser } from 'playwright-core';
import { dashboardPlugin } from '../../src/server/dashboard.js';
import { createNotifier } from '../../src/notify/dispatcher.js';
import { MetricsHolder, observePlugin } from '../../src/daemon/observe-wiring.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import { FIXTURES, NODE, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { freePort } from '../helpers/ports.js';
import { runCli } from '../helpers/cli.js';
import { CHROMIUM, launchChromium } from '../helpers/chromium.js';
import { config, event } from '../notify/helpers.js';

describe.skipIf(!existsSync(CHROMIUM))('dashboard: alerts a full outbox dropped', () => {
  let browser: Browser;
  let td: TestDaemon;

  beforeAll(async () => {
    browser = await launchChromium();
    const dir = tempDir('clawback-overflow-');
    const [before, after] = [await freePort(), await freePort()];
    const first = createNotifier(config([{ type: 'webhook', name: 'ops', url: `http://127.0.0.1:${before}/hook` }]), { stateDir: path.join(dir, 'state'), clock: systemClock(), redactor: new Redactor() });
    for (let i = 0; i < 14; i++) first.publish(event({ incidentId: `inc-${i}` }));
    await first.stop();
    expect(readdirSync(path.join(dir, 'state', 'outbox', 'ops')).filter((f) => /^\d+\.json$/.test(f)).length).toBe(14);
    td = await startTestDaemon(
      { notify: { outboxLimit: 10, channels: [{ type: 'webhook', name: 'ops', url: `http://127.0.0.1:${after}/hook` }] }, services: [{ name: 'steady', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] },
      { dir, plugins: [observePlugin(new MetricsHolder()), dashboardPlugin()] },
    );
  }, 60_000);
  afterAll(async () => {
    await td?.stop();
    await browser?.close();
  });

  it('counts the dropped ones in status, `clawback status` and on the page', async () => {
    const status = (await (await fetch(`http://127.0.0.1:${td.daemon.api!.port}/api/status`)).json()) as { notify: { overflowed?: Record<string, { folded: number; dropped: number }> } };
    expect(status.notify.overflowed?.['ops'], JSON.stringify(status.notify)).toEqual({ folded: 0, dropped: 4 });
    const cli = await runCli(['status', '--state-dir', td.stateDir]);
    expect(cli.stdout + cli.stderr).toContain('ALERTS NOT DELIVERED: 4 alert(s) for ops not kept on their own since the daemon started, its outbox full (notify.outboxLimit): 0 folded into a summary message, 4 refused one(s) dropped');
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.goto(`http://127.0.0.1:${td.daemon.api!.port}/`);
    const notice = page.locator('#daemon-meta [data-field="overflowed"]');
    await notice.waitFor({ timeout: 20_000 });
    expect(await notice.textContent()).toBe('⚠ 4 alerts for ops not kept on their own, its outbox full: 0 folded into a summary, 4 dropped');
    expect(await notice.getAttribute('title')).toContain('notify.outboxLimit');
    await page.close();
  }, 60_000);
});
