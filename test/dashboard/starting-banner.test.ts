// During the daemon's first start (a preflight validator still running) `clawback status` says DAEMON STARTING with the
// step; the dashboard said nothing. Real daemon (`clawback run`), a real validator held open by a gate file, headless
// Chromium: the banner names the service's preflight step and goes once the first start is done.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser } from 'playwright-core';
import { CLI } from '../helpers/cli.js';
import { FIXTURES, NODE, tempDir } from '../helpers/daemon.js';
import { freePortRun } from '../helpers/ports.js';
import { killTree, pidRef, waitFor, type PidRef } from '../helpers/processes.js';
import { CHROMIUM, launchChromium } from '../helpers/chromium.js';

const BANNER = '[data-field="daemon-starting"]';

describe.skipIf(!existsSync(CHROMIUM))('dashboard: the daemon starting', () => {
  let browser: Browser;
  let daemon: ChildProcess | undefined;
  const left: PidRef[] = [];
  let dir: string | undefined;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    if (dir) writeFileSync(path.join(dir, 'gate'), '');
    if (daemon?.pid && daemon.exitCode === null) {
      daemon.kill('SIGINT');
      await waitFor(() => daemon!.exitCode !== null || daemon!.signalCode !== null || undefined, { timeoutMs: 20_000 }).catch(() => daemon?.kill('SIGKILL'));
    }
    for (const r of left) killTree(r);
    if (dir) rmSync(dir, { recursive: true, force: true });
    await browser?.close();
  });

  it('shows a banner with the preflight step while the first start runs, and hides it after', async () => {
    dir = tempDir('cb-starting-banner-');
    const d = dir;
    const port = await freePortRun(1);
    const validatorPid = path.join(d, 'validator.pid');
    writeFileSync(path.join(d, 'svc.json'), '{"ok": true}\n');
    const validator = [NODE, path.join(FIXTURES, 'gated-validator.mjs'), validatorPid, path.join(d, 'gate')];
    writeFileSync(
      path.join(d, 'clawback.yaml'),
      `stateDir: ./state\napi:\n  port: ${port}\nservices:\n  - name: svc\n    command: [${JSON.stringify(NODE)}, ${JSON.stringify(path.join(FIXTURES, 'sleeper.mjs'))}]\n` +
        `    configFile:\n      path: ${JSON.stringify(path.join(d, 'svc.json'))}\n      format: json\n      validateCommand: ${JSON.stringify(validator)}\n      validateTimeout: 60s\n`,
    );
    daemon = spawn(NODE, [CLI, 'run'], { cwd: d, env: { ...process.env, CLAWBACK_TEST_CHILD: '1', CLAWBACK_CONFIG: '', HOME: d }, stdio: 'ignore' });
    const vpid = await waitFor(() => (existsSync(validatorPid) ? Number(readFileSync(validatorPid, 'utf8')) || undefined : undefined), { timeoutMs: 20_000, message: 'the validator to start' });
    left.push(pidRef(vpid));

    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForSelector(`${BANNER}:not([hidden])`, { timeout: 20_000 });
    const text = (await page.locator(BANNER).textContent()) ?? '';
    expect(text).toContain('Clawback is starting');
    expect(text).toContain('(svc starting)');
    expect(text).toMatch(/svc: preflight: validating config \(.*gated-validator\.mjs.*\), \d+s of 1m 0s budget/);

    // The validator ends: the service starts and the banner goes.
    writeFileSync(path.join(d, 'gate'), '');
    await page.waitForSelector(`${BANNER}[hidden]`, { state: 'attached', timeout: 30_000 });
    await page.waitForSelector('article[data-service="svc"]', { timeout: 20_000 });
    await page.close();
  }, 90_000);
});
