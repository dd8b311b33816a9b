// A service killed while the daemon was SIGSTOPped was reported "recovered after 603 ms" (journal, metrics, alert): the
// outage was counted from when the daemon noticed the exit after it was continued, not from when it could have happened.
// A real daemon, really stopped, a real service killed meanwhile: the recovery now also says how long it was down at
// most (from the pause's start), and the pause is journaled before the exit it hid; `clawback incidents` and the
// dashboard's incident history say so.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, runCli } from '../helpers/cli.js';
import { FIXTURES, NODE, markServices, tempDir } from '../helpers/daemon.js';
import { spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';
import { launchChromium } from '../helpers/chromium.js';

let daemon: MarkedChild | undefined;
afterEach(async () => {
  daemon?.signal('SIGCONT');
  daemon?.signal('SIGTERM');
  await daemon?.waitForExit(20_000).catch(() => daemon?.kill());
  daemon = undefined;
});

type Line = { type: string; time: number; message: string; service?: string; details?: Record<string, unknown> };
const journal = (stateDir: string): Line[] =>
  readFileSync(path.join(stateDir, 'journal.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Line);

describe('a service that died while the daemon was paused', () => {
  it('says it was down at most since the pause began, not only since the daemon noticed', async () => {
    const dir = tempDir('clawback-pause-exit-');
    const config = path.join(dir, 'clawback.yaml');
    const stateDir = path.join(dir, 'state');
    writeFileSync(config, YAML.stringify(markServices({ api: { port: 0 }, services: [{ name: 'idle', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] })));
    daemon = spawnMarked(NODE, [CLI, 'run', '--config', config, '--state-dir', stateDir]);
    await daemon.waitForStdout('dashboard:', 30_000);
    const started = await waitFor(() => journal(stateDir).find((e) => e.type === 'service.started' && e.service === 'idle'), { timeoutMs: 30_000, intervalMs: 200 });
    const pid = started.details!['pid'] as number;
    expect(daemon.signal('SIGSTOP')).toBe(true);
    const stoppedAt = Date.now();
    process.kill(pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 8000));
    daemon.signal('SIGCONT');
    const resolved = await waitFor(() => journal(stateDir).find((e) => e.type === 'incident.resolved' && e.service === 'idle'), { timeoutMs: 60_000, intervalMs: 200 });
    const ttrMaxMs = resolved.details!['ttrMaxMs'] as number;
    // At least the pause (less the 2 s heartbeat: the timer due first after the stop), and the measured figure is kept.
    expect(ttrMaxMs).toBeGreaterThanOrEqual(6000);
    expect(ttrMaxMs).toBeGreaterThanOrEqual(resolved.details!['ttrMs'] as number);
    expect(resolved.time - ttrMaxMs).toBeGreaterThanOrEqual(stoppedAt - 2500);
    expect(resolved.message).toMatch(/recovered after .*down at most \d+\.\d+ s: the daemon was paused when it failed/);
    // The pause is told before the exit it hid.
    const lines = journal(stateDir);
    const paused = lines.findIndex((e) => e.type === 'daemon.paused');
    const exited = lines.findIndex((e) => e.type === 'service.exited' && e.service === 'idle');
    expect(paused).toBeGreaterThanOrEqual(0);
    expect(paused).toBeLessThan(exited);
    // `clawback incidents` and `clawback incident ID` read the same from the journal.
    const list = await runCli(['incidents', '--json', '--state-dir', stateDir], { timeoutMs: 30_000 });
    expect(list.code, list.stderr).toBe(0);
    const [inc] = JSON.parse(list.stdout) as Array<{ id: string; ttrMs: number; ttrMaxMs?: number }>;
    expect(inc!.ttrMaxMs).toBe(ttrMaxMs);
    const table = await runCli(['incidents', '--state-dir', stateDir], { timeoutMs: 30_000 });
    expect(table.stdout).toMatch(/<= \d+(\.\d+)? s, paused/);
    const one = await runCli(['incident', inc!.id, '--state-dir', stateDir], { timeoutMs: 30_000 });
    expect(one.stdout).toMatch(/recovered in .* \(down at most \d+(\.\d+)? s: the daemon was paused when it failed\)/);
    // The dashboard's incident history says it too (headless Chromium on the daemon's own page).
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const port = (JSON.parse(readFileSync(path.join(stateDir, 'daemon.json'), 'utf8')) as { api: { port: number } }).api.port;
      await page.goto(`http://127.0.0.1:${port}/`);
      const summary = page.locator(`#incidents details.inc[data-id="${inc!.id}"] summary`);
      await summary.waitFor({ timeout: 30_000 });
      expect(await summary.textContent()).toMatch(/recovered in .* \(down at most \d+(\.\d+)? s: the daemon was paused when it failed\)/);
    } finally {
      await browser.close();
    }
  }, 150_000);
});
