// While the daemon does not answer (stopped with SIGSTOP, as a blocked or restarting daemon looks from outside), the
// page showed its last status under "showing the last known state" but went on counting every uptime and an incident's
// "open for" up, so it looked live when it was not. Those times now stay as the daemon last told them, marked stale
// with the time of that answer, and go on again from fresh numbers once it answers.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser } from 'playwright-core';
import { FIXTURES, NODE, markServices, tempDir } from '../helpers/daemon.js';
import { CLI } from '../helpers/cli.js';
import { spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';
import { CHROMIUM, launchChromium } from '../helpers/chromium.js';


describe.skipIf(!existsSync(CHROMIUM))('dashboard: times while the daemon is unreachable', () => {
  let browser: Browser;
  let daemon: MarkedChild | undefined;
  let dir: string;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    if (daemon && !daemon.exitInfo()) {
      process.kill(daemon.pid, 'SIGCONT');
      process.kill(daemon.pid, 'SIGTERM');
      await daemon.waitForExit(30_000).catch(() => daemon?.kill());
    }
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('freezes uptimes and "open for" as of the last answer, says so, and goes on from fresh numbers after', async () => {
    dir = tempDir('clawback-stale-');
    const config = path.join(dir, 'clawback.yaml');
    const stateDir = path.join(dir, 'state');
    writeFileSync(config, YAML.stringify(markServices({
      api: { port: 0 },
      services: [
        { name: 'steady', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] },
        // Exits at once, then waits out a long backoff: an incident that stays open.
        { name: 'down', command: [NODE, path.join(FIXTURES, 'exit-with.mjs'), '2', '100'], restart: { backoff: { initial: '10m', max: '10m' } } },
      ],
    })));
    daemon = spawnMarked(NODE, [CLI, 'run', '--config', config, '--state-dir', stateDir]);
    await waitFor(() => daemon!.stdout().includes('clawback running'), { timeoutMs: 30_000, intervalMs: 100, message: 'the daemon runs' });
    const { api } = JSON.parse(readFileSync(path.join(stateDir, 'daemon.json'), 'utf8')) as { api: { host: string; port: number } };

    const page = await browser.newPage();
    await page.goto(`http://${api.host}:${api.port}/`);
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
