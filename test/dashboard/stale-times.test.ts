// While the daemon does not answer (stopped with SIGSTOP, as a blocked or restarting daemon looks from outside), the
// page showed its last status under "showing the last known state" but went on counting every uptime and an incident's
// "open for" up, so it looked live when it was not. Those times now hold where the page had counted them, marked stale
// with the time they are held at, and go on again from fresh numbers once it answers.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, NODE } from '../helpers/daemon.js';
import { CHROMIUM } from '../helpers/chromium.js';
import { useFrozenDaemonPage } from '../helpers/frozen-daemon-page.js';

describe.skipIf(!existsSync(CHROMIUM))('dashboard: times while the daemon is unreachable', () => {
  const bed = useFrozenDaemonPage('clawback-stale-');

  it('freezes uptimes and "open for" as of the last answer, says so, and goes on from fresh numbers after', async () => {
    const { daemon, url } = await bed.start([
        { name: 'steady', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] },
        // Exits at once, then waits out a long backoff: an incident that stays open.
        { name: 'down', command: [NODE, path.join(FIXTURES, 'exit-with.mjs'), '2', '100'], restart: { backoff: { initial: '10m', max: '10m' } } },
      ]);

    const page = await bed.browser().newPage();
    await page.goto(url);
    await page.waitForSelector('#conn[data-state="live"]', { timeout: 20_000 });
    const uptime = page.locator('article[data-service="steady"] [data-field="uptime"]');
    await uptime.filter({ hasText: /\d+s$/ }).waitFor({ timeout: 20_000 });
    const openFor = page.locator('#incidents details.inc[data-service="down"][data-status="open"] [data-field="open-for"]');
    await openFor.filter({ hasText: /open for/ }).waitFor({ timeout: 20_000 });
    const read = () => page.evaluate(() => ({
      uptime: document.querySelector('article[data-service="steady"] [data-field="uptime"]')!.textContent,
      daemon: document.querySelector('[data-field="daemon-uptime"]')!.textContent,
      openFor: document.querySelector('#incidents [data-field="open-for"]')!.textContent,
    }));

    process.kill(daemon.pid, 'SIGSTOP');
    await page.waitForSelector('#conn[data-state="reconnecting"]', { timeout: 20_000 });
    await page.waitForTimeout(1_100); // one tick of the page's 1 s timer after the failure was noticed
    const frozen = await read();
    await page.waitForTimeout(3_300);
    const later = await read();
    // Before: steady's uptime, the daemon's and "open for" had gone on by 3 s, under "showing the last known state".
    expect(later).toEqual(frozen);
    expect(await page.locator('#banner').textContent()).toMatch(/last known state, as of \d\d:\d\d:\d\d/);
    expect(await page.locator('body').getAttribute('data-stale')).not.toBeNull();

    process.kill(daemon.pid, 'SIGCONT');
    await page.waitForSelector('#conn[data-state="live"]', { timeout: 30_000 });
    expect(await page.locator('body').getAttribute('data-stale')).toBeNull();
    await page.waitForTimeout(2_200);
    const resumed = await read();
    const secs = (t: string | null) => { const m = /^(?:(\d+)m ?)?(\d+)s$/.exec(t ?? ''); return m ? Number(m[1] ?? 0) * 60 + Number(m[2]) : NaN; };
    // Fresh numbers from the daemon, going on again: past the frozen ones by at least the time it was stopped.
    expect(secs(resumed.uptime)).toBeGreaterThanOrEqual(secs(frozen.uptime) + 3);
    expect(secs(resumed.daemon)).toBeGreaterThanOrEqual(secs(frozen.daemon) + 3);
    expect(secs(/open for (.+)$/.exec(resumed.openFor ?? '')?.[1] ?? null)).toBeGreaterThanOrEqual(secs(/open for (.+)$/.exec(frozen.openFor ?? '')?.[1] ?? null) + 3);
    await page.close();
  }, 120_000);
});
