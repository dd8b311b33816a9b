// The daemon degraded for its heap: the banner said "heap: EHEAPNEAR: JavaScript heap 7.7 MiB of its 9.0 MiB limit" (at 9 MiB)
// and never what to do; the daemon's advice (raise --max-old-space-size) was only in its log and the alert.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { type Browser } from 'playwright-core';
import { CLI } from '../helpers/cli.js';
import { FIXTURES, NODE, markServices, tempDir } from '../helpers/daemon.js';
import { freePort } from '../helpers/ports.js';
import { killTree, pidRef, spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';
import { CHROMIUM, launchChromium } from '../helpers/chromium.js';

const BANNER = '[data-field="daemon-degraded"]';

describe.skipIf(!existsSync(CHROMIUM))('dashboard: the heap-degraded banner says what to do', () => {
  let browser: Browser;
  let daemon: MarkedChild | undefined;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  let stateDir: string | undefined;
  afterEach(async () => {
    if (!daemon) return;
    daemon.child.kill('SIGTERM');
    await daemon.waitForExit(20_000).catch(() => daemon!.kill());
    daemon = undefined;
    // A daemon at a 9 MiB heap that died (out of heap) or was killed above left its service running (as a dead daemon
    // must): the service is in its own group, out of reach of the daemon's kill, and leaked past the suite's end.
    const pid = serviceRecord(stateDir);
    if (pid) killTree(pidRef(pid.pid, pid.pidStartTime));
    stateDir = undefined;
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('a real daemon at --max-old-space-size=10: the banner names the heap and how to raise its limit', async () => {
    const dir = tempDir('clawback-heap-banner-');
    const config = path.join(dir, 'clawback.yaml');
    const port = await freePort();
    writeFileSync(config, YAML.stringify(markServices({ api: { port }, services: [{ name: 'steady', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] })));
    stateDir = path.join(dir, 'state');
    // 10 MiB: its resting heap (8.0-8.5 MiB) is at or above the 80 % that degrades it; at 9 MiB a burst under load ran it out.
    daemon = spawnMarked(NODE, ['--max-old-space-size=10', CLI, 'run', '--config', config, '--state-dir', stateDir]);
    const page = await browser.newPage();
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/api/status`).then((r) => r.ok, () => false)) || null, { timeoutMs: 30_000, message: 'the daemon answers' });
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.locator(`${BANNER}:not([hidden])`).waitFor({ timeout: 30_000 });
    const text = (await page.locator(BANNER).textContent()) ?? '';
    expect(text).toMatch(/heap: .*JavaScript heap \d+\.\d MiB of its 10\.0 MiB limit/);
    expect(text).toContain('to fix: raise the daemon\'s heap limit (NODE_OPTIONS=--max-old-space-size=MiB');
    await page.close();
  }, 90_000);
});

/** The service's instance as the daemon last saved it (undefined: none recorded). */
function serviceRecord(stateDir: string | undefined): { pid: number; pidStartTime: number | null } | undefined {
  if (!stateDir) return undefined;
  try {
    const state = JSON.parse(readFileSync(path.join(stateDir, 'state.json'), 'utf8')) as { services: Record<string, { record: { instance: { pid: number; pidStartTime: number | null } | null } }> };
    return state.services.steady?.record.instance ?? undefined;
  } catch {
    return undefined;
  }
}
