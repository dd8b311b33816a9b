// Alerts kept as stranded (their channel now sends elsewhere, "moved") were said by `clawback status` and the log, and
// by nothing on the dashboard: the README says they show there as dead letters do.
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
import { CHROMIUM, launchChromium } from '../helpers/chromium.js';
import { config, event } from '../notify/helpers.js';

describe.skipIf(!existsSync(CHROMIUM))('dashboard: alerts kept because their channel now sends elsewhere', () => {
  let browser: Browser;
  let td: TestDaemon;

  beforeAll(async () => {
    browser = await launchChromium();
    const dir = tempDir('clawback-stranded-');
    // Two alerts spooled for "ops" while its endpoint (nothing listens there) did not answer.
    const [before, after] = [await freePort(), await freePort()];
    const first = createNotifier(config([{ type: 'webhook', name: 'ops', url: `http://127.0.0.1:${before}/hook` }]), { stateDir: path.join(dir, 'state'), clock: systemClock(), redactor: new Redactor() });
    first.publish(event({ incidentId: 'inc-1' }));
    first.publish(event({ incidentId: 'inc-2' }));
    await first.stop();
    expect(readdirSync(path.join(dir, 'state', 'outbox', 'ops')).filter((f) => /^\d+\.json$/.test(f)).length).toBeGreaterThanOrEqual(2);
    // "ops" now points at another URL: they are kept, not sent there.
    td = await startTestDaemon(
      { notify: { channels: [{ type: 'webhook', name: 'ops', url: `http://127.0.0.1:${after}/hook` }] }, services: [{ name: 'steady', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] },
      { dir, plugins: [observePlugin(new MetricsHolder()), dashboardPlugin()] },
    );
  }, 60_000);
  afterAll(async () => {
    await td?.stop();
    await browser?.close();
  });

  it('says how many are kept for which channel and why, in the status and on the page', async () => {
    const status = (await (await fetch(`http://127.0.0.1:${td.daemon.api!.port}/api/status`)).json()) as { notify: { stranded: Record<string, number>; strandedWhy: Record<string, string> } };
    const n = status.notify.stranded.ops!;
    expect(n).toBeGreaterThanOrEqual(2);
    expect(status.notify.strandedWhy).toEqual({ ops: 'moved' });
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.goto(`http://127.0.0.1:${td.daemon.api!.port}/`);
    const notice = page.locator('#daemon-meta [data-field="stranded"]');
    await notice.waitFor({ timeout: 20_000 });
    expect(await notice.textContent()).toBe(`⚠ ${n} alerts kept for ops, not sent: the channel now sends to another destination than they were queued for`);
    expect(await notice.getAttribute('title')).toContain('clawback notify discard');
    await page.close();
  }, 60_000);
});

describe('clawback status: a moved channel is not called "not configured"', () => {
  it('names the other destination for moved, and keeps the older wording for a daemon that gives no why', async () => {
    const { deadLetterLines } = await import('../../src/notify/dead-letter-notice.js');
    const { strandedText } = await import('../../src/notify/stranded-text.js');
    const [moved] = deadLetterLines({ stranded: { ops: 3 }, strandedWhy: { ops: 'moved' } });
    // The same words as the daemon's log line and alert for these alerts (one function, not two wordings).
    expect(moved).toBe(strandedText('ops', 3, 'moved'));
    expect(moved).toContain('"ops" now sends to another destination');
    expect(moved).not.toContain('not a configured');
    expect(deadLetterLines({ stranded: { ops: 3 } })[0]).toContain('not a configured, enabled channel');
  });
});
