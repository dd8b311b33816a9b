// A stopped service has no memory: `clawback status` showed "46 MiB" under MEMORY for a service stopped by hand (the
// last reading of its gone instance, kept as the memory probe's last result), and the dashboard's card did the same.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { type Browser } from 'playwright-core';
import { FIXTURES, NODE, markServices, tempDir } from '../helpers/daemon.js';
import { CLI, runCli } from '../helpers/cli.js';
import { spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';
import { CHROMIUM, launchChromium } from '../helpers/chromium.js';

let daemon: MarkedChild | undefined;
let browser: Browser | undefined;
let dir: string | undefined;
afterAll(async () => {
  await browser?.close();
  if (daemon && !daemon.exitInfo()) {
    process.kill(daemon.pid, 'SIGTERM');
    await daemon.waitForExit(30_000).catch(() => daemon?.kill());
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The MEMORY cell of NAME's row in `clawback status`'s table. */
function memoryCell(table: string, name: string): string {
  const lines = table.split('\n');
  const header = lines.find((l) => l.startsWith('SERVICE'))!;
  const row = lines.find((l) => l.startsWith(`${name} `))!;
  const at = header.indexOf('MEMORY');
  return row.slice(at, header.indexOf('INCIDENT')).trim();
}

describe('memory of a service with no process', () => {
  it('status and the dashboard show none once the service is stopped', async () => {
    dir = tempDir('clawback-stopped-mem-');
    const config = path.join(dir, 'clawback.yaml');
    const stateDir = path.join(dir, 'state');
    writeFileSync(config, YAML.stringify(markServices({
      api: { port: 0 },
      services: [{ name: 'web', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')], probes: [{ kind: 'memory', limit: '1GiB', interval: '200ms' }] }],
    })));
    daemon = spawnMarked(NODE, [CLI, 'run', '--config', config, '--state-dir', stateDir]);
    await waitFor(() => daemon!.stdout().includes('clawback running'), { timeoutMs: 30_000, intervalMs: 100, message: 'the daemon runs' });
    const status = () => runCli(['status', '--state-dir', stateDir]);
    let running = '';
    await waitFor(async () => /MiB/.test(memoryCell((running = (await status()).stdout), 'web')), { timeoutMs: 20_000, intervalMs: 200, message: 'a memory reading' });
    expect(memoryCell(running, 'web')).toMatch(/^\d+(\.\d+)? MiB$/);

    const stop = await runCli(['stop', 'web', '--state-dir', stateDir]);
    expect(stop.code, stop.stderr).toBe(0);
    const stopped = await status();
    expect(stopped.stdout).toMatch(/^web +stopped /m);
    expect(memoryCell(stopped.stdout, 'web')).toBe('-');
    // The daemon still keeps the probe's last result (the JSON is its record), just not as the service's memory now.
    const js = JSON.parse((await runCli(['status', '--json', '--state-dir', stateDir])).stdout) as { services: Array<{ pid: number | null }> };
    expect(js.services[0]!.pid).toBeNull();

    if (!existsSync(CHROMIUM)) throw new Error(`chromium is needed for the dashboard half (${CHROMIUM})`);
    browser = await launchChromium();
    const { api } = JSON.parse(readFileSync(path.join(stateDir, 'daemon.json'), 'utf8')) as { api: { host: string; port: number } };
    const page = await browser.newPage();
    await page.goto(`http://${api.host}:${api.port}/`);
    await page.waitForSelector('#conn[data-state="live"]', { timeout: 20_000 });
    await page.locator('article[data-service="web"] [data-field="pid"]').filter({ hasText: '—' }).waitFor({ timeout: 20_000 });
    expect(await page.locator('article[data-service="web"] [data-field="memory"]').textContent()).toBe('—');
  }, 90_000);
});
