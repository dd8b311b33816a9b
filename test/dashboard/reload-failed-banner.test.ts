// The dashboard says a config reload was refused (a SIGHUP nobody watched) until a good one: a real daemon, its real
// config file made invalid, a real reload, headless Chromium. The banner names the field and never the secret.
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { createDashboard } from '../../src/server/dashboard.js';
import { FIXTURES, NODE, markServices, startTestDaemon } from '../helpers/daemon.js';
import { CHROMIUM } from '../helpers/chromium.js';
import { dashboardSuite } from '../helpers/dashboard-suite.js';

const BANNER = '[data-field="reload-failed"]';

describe.skipIf(!existsSync(CHROMIUM))('dashboard: a refused config reload', () => {
  const env = dashboardSuite();

  it('shows the refusal with its field and hides it once a reload succeeds', async () => {
    const config = { services: [{ name: 'steady', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] };
    env.td = await startTestDaemon(config, { heartbeatMs: 300, plugins: [{ name: 'dashboard', init: () => ({ dashboard: createDashboard() }) }] });
    const api = env.td.daemon.api!;
    const page = await env.browser.newPage();
    await page.goto(`http://${api.host}:${api.port}/`);
    await page.waitForSelector('article[data-service="steady"]', { timeout: 20_000 });
    expect(await page.locator(BANNER).isHidden()).toBe(true);

    const secret = 'sk-proj-Zq8wVt3LmN5pR7sX9yB2cD4fG6hJ1kL0';
    const bad = markServices(config);
    (bad.services[0] as Record<string, unknown>).port = secret;
    writeFileSync(env.td.configFile, YAML.stringify(bad));
    expect((await env.td.daemon.command('/api/reload', new URLSearchParams({ by: 'SIGHUP' })))?.status).toBe(400);
    await page.waitForSelector(`${BANNER}:not([hidden])`, { timeout: 20_000 });
    const text = (await page.locator(BANNER).textContent()) ?? '';
    expect(text).toContain('The last config reload (by SIGHUP');
    expect(text).toContain('services[0].port');
    expect(text).not.toContain(secret);

    writeFileSync(env.td.configFile, YAML.stringify(markServices(config)));
    expect((await env.td.daemon.command('/api/reload', new URLSearchParams({ by: 'test' })))?.status).toBe(200);
    await page.waitForSelector(`${BANNER}[hidden]`, { state: 'attached', timeout: 20_000 });
    await page.close();
  }, 60_000);
});
