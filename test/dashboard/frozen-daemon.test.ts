// A daemon that accepts connections but answers nothing (stopped with SIGSTOP, as a blocked event loop looks from
// outside) is shown as unreachable, not "live" with its last status; once it answers again the page is live again.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser } from 'playwright-core';
import { FIXTURES, NODE, markServices, tempDir } from '../helpers/daemon.js';
import { CLI } from '../helpers/cli.js';
import { spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';
import { CHROMIUM, launchChromium } from '../helpers/chromium.js';


describe.skipIf(!existsSync(CHROMIUM))('dashboard: a frozen daemon', () => {
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

  it('shows "reconnecting" and the banner while the daemon is stopped, and "live" after it continues', async () => {
    dir = tempDir('clawback-frozen-');
    const config = path.join(dir, 'clawback.yaml');
    const stateDir = path.join(dir, 'state');
    writeFileSync(config, YAML.stringify(markServices({ api: { port: 0 }, services: [{ name: 'steady', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] })));
    daemon = spawnMarked(NODE, [CLI, 'run', '--config', config, '--state-dir', stateDir]);
    await waitFor(() => daemon!.stdout().includes('clawback running'), { timeoutMs: 30_000, intervalMs: 100, message: 'the daemon runs' });
    const { api } = JSON.parse(readFileSync(path.join(stateDir, 'daemon.json'), 'utf8')) as { api: { host: string; port: number } };

    const page = await browser.newPage();
    await page.goto(`http://${api.host}:${api.port}/`);
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
