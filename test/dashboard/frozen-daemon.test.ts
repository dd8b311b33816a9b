// A daemon that accepts connections but answers nothing (stopped with SIGSTOP, as a blocked event loop looks from
// outside) is shown as unreachable, not "live" with its last status; once it answers again the page is live again.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, NODE } from '../helpers/daemon.js';
import { CHROMIUM } from '../helpers/chromium.js';
import { useFrozenDaemonPage } from '../helpers/frozen-daemon-page.js';

describe.skipIf(!existsSync(CHROMIUM))('dashboard: a frozen daemon', () => {
  const bed = useFrozenDaemonPage('clawback-frozen-');

  it('shows "reconnecting" and the banner while the daemon is stopped, and "live" after it continues', async () => {
    const { daemon, url } = await bed.start([{ name: 'steady', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }]);

    const page = await bed.browser().newPage();
    await page.goto(url);
    await page.waitForSelector('#conn[data-state="live"]', { timeout: 20_000 });

    process.kill(daemon.pid, 'SIGSTOP');
    // Before: the page kept saying "live" (and ticking the uptime) for as long as the daemon stayed frozen.
    await page.waitForSelector('#conn[data-state="reconnecting"]', { timeout: 20_000 });
    expect(await page.locator('#banner').isVisible()).toBe(true);
    expect(await page.locator('#banner').textContent()).toMatch(/Cannot reach the Clawback daemon/);

    process.kill(daemon.pid, 'SIGCONT');
    await page.waitForSelector('#conn[data-state="live"]', { timeout: 30_000 });
    expect(await page.locator('#banner').isHidden()).toBe(true);
    await page.close();
  });
});
