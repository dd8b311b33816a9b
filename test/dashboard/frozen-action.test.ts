// A button clicked while the daemon is frozen (SIGSTOP: it accepts the connection and answers nothing) is bounded: the
// card says the daemon did not answer and the button is usable again, and the page says the daemon is not answering.
// Before, the request waited for good, the card said "restart…" and every button of the card stayed disabled. A
// click when the daemon is gone says it could not be reached (a browser's own words are "Failed to fetch").
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, NODE } from '../helpers/daemon.js';
import { CHROMIUM } from '../helpers/chromium.js';
import { useFrozenDaemonPage } from '../helpers/frozen-daemon-page.js';

describe.skipIf(!existsSync(CHROMIUM))('dashboard: an action against a frozen daemon', () => {
  const bed = useFrozenDaemonPage('clawback-frozen-action-');

  it('ends the wait with "the daemon did not answer in N s", the buttons usable again', async () => {
    const { daemon, url, token: tokenOf } = await bed.start([{ name: 'steady', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }]);
    const token = tokenOf();

    const page = await bed.browser().newPage();
    page.on('dialog', (d) => void d.accept()); // Restart asks first (restart-confirm.test.ts)
    await page.goto(`${url}#token=${token}`);
    await page.waitForSelector('#conn[data-state="live"]', { timeout: 20_000 });
    const card = page.locator('article[data-service="steady"]');
    await card.locator('[data-field="state"]', { hasText: 'running' }).waitFor({ timeout: 20_000 });

    process.kill(daemon.pid, 'SIGSTOP');
    const restart = card.locator('button[data-action="restart"]');
    await restart.click();
    const msg = card.locator('[data-field="action-msg"]');
    expect(await restart.isDisabled()).toBe(true);
    // Well before any browser or socket timeout: the status poll's bound (5 s) tells the daemon is not answering.
    await msg.filter({ hasText: /restart failed: the daemon did not answer in \d+ s/ }).waitFor({ timeout: 20_000 });
    expect(await restart.isEnabled()).toBe(true);
    expect(await card.locator('button[data-action="maintenance"]').isEnabled()).toBe(true);
    expect(await page.locator('#conn').getAttribute('data-state')).toBe('reconnecting');
    expect(await page.locator('#banner').textContent()).toMatch(/Cannot reach the Clawback daemon/);

    process.kill(daemon.pid, 'SIGCONT');
    await page.waitForSelector('#conn[data-state="live"]', { timeout: 30_000 });

    // A daemon that is gone (stopped, or between the two halves of a restart): the card says so, not "Failed to fetch".
    process.kill(daemon.pid, 'SIGTERM');
    await daemon.waitForExit(30_000);
    await restart.click();
    await msg.filter({ hasText: 'restart failed: the daemon could not be reached (stopped or restarting?)' }).waitFor({ timeout: 20_000 });
    expect(await msg.textContent()).not.toContain('Failed to fetch');
    expect(await restart.isEnabled()).toBe(true);
    await page.close();
  }, 90_000);
});
