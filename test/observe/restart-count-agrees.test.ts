// `clawback status` and clawback_restarts_total count the same restarts: each when it runs, not when it is scheduled.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURES, NODE, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { parseExposition } from './exposition.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

async function counts(port: number, name = 'svc'): Promise<{ status: number; metric: number; phase: string; byReason: Record<string, number> }> {
  const st = (await (await fetch(`http://127.0.0.1:${port}/api/status`)).json()) as { services: Array<{ name: string; restarts: number; state: string }> };
  const svc = st.services.find((s) => s.name === name)!;
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  let metric = 0;
  const byReason: Record<string, number> = {};
  for (const [k, v] of parseExposition(text)) {
    if (!k.startsWith('clawback_restarts_total{') || !k.includes(`service="${name}"`)) continue;
    metric += v;
    const reason = /reason="([^"]*)"/.exec(k)![1]!;
    byReason[reason] = (byReason[reason] ?? 0) + v;
  }
  return { status: svc.restarts, metric, phase: svc.state, byReason };
}

describe('one restart count', () => {
  it('during a backoff, and after a stop cancelled it, status and /metrics say the same number of restarts', async () => {
    // The first restart runs at once (attempt 0), the second waits 30 s in backoff.
    td = await startTestDaemon({
      services: [{ name: 'svc', command: [NODE, path.join(FIXTURES, 'exit-with.mjs'), '1', '0'], restart: { backoff: { initial: '30s', max: '30s', jitter: 0 }, intensity: { maxRestarts: 50, window: '10m' } } }],
    });
    const d = td.daemon;
    const port = d.api!.port;
    await waitFor(() => d.runtimes.get('svc')?.status().state === 'backoff' && (d.runtimes.get('svc')?.status().restarts ?? 0) > 0, { timeoutMs: 15_000 });
    const during = await counts(port);
    expect(during.metric).toBeGreaterThan(0);
    expect(during.status).toBe(during.metric);
    // A stop during the backoff cancels the restart that was scheduled: it never ran, and neither counts it.
    await d.runtimes.get('svc')!.stop();
    await waitFor(() => d.runtimes.get('svc')?.status().state !== 'backoff', { timeoutMs: 10_000 });
    const after = await counts(port);
    expect(after.status).toBe(after.metric);
    expect(after.metric).toBe(during.metric);
  }, 60_000);

  it("the doctor's restart, a person's restart and the service's own restart are each counted once, in status and /metrics alike", async () => {
    // A service whose config is broken (exit 78) until its own doctor writes the marker; once running it exits 0 to be
    // restarted when asked by a file (OpenClaw's supervisor-mode restart), as selfRestartPattern says.
    const dir = tempDir('clawback-restart-reasons-');
    const marker = path.join(dir, 'fixed');
    const again = path.join(dir, 'restart-me');
    const svc = path.join(dir, 'svc.mjs');
    writeFileSync(
      svc,
      `import fs from 'node:fs';
if (!fs.existsSync(${JSON.stringify(marker)})) { console.log('config broken'); setTimeout(() => process.exit(78), 200); }
else { console.log('running'); const t = setInterval(() => { if (fs.existsSync(${JSON.stringify(again)})) { fs.rmSync(${JSON.stringify(again)}); console.log('restart mode: full process restart'); clearInterval(t); setTimeout(() => process.exit(0), 50); } }, 100); }
`,
    );
    td = await startTestDaemon({
      services: [
        {
          name: 'web',
          command: [NODE, svc],
          restart: { selfRestartPattern: 'restart mode: full process restart' },
          doctor: { command: [NODE, '-e', `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'ok')`] },
        },
      ],
    });
    const d = td.daemon;
    const port = d.api!.port;
    const running = (): boolean => d.runtimes.get('web')?.status().state === 'running';
    // The doctor repaired it and started it again: one restart, by the doctor.
    await waitFor(() => running() && existsSync(marker), { timeoutMs: 20_000 });
    let afterDoctor = await counts(port, 'web');
    await waitFor(async () => {
      afterDoctor = await counts(port, 'web');
      return afterDoctor.status >= 1 && afterDoctor.metric >= 1;
    }, { timeoutMs: 10_000 }).catch(() => undefined);
    expect(afterDoctor.status).toBe(1);
    expect(afterDoctor.byReason).toEqual({ doctor: 1 });
    // A person's restart.
    const pid1 = d.runtimes.get('web')!.status().pid;
    await d.runtimes.get('web')!.restart();
    await waitFor(() => running() && d.runtimes.get('web')!.status().pid !== pid1, { timeoutMs: 15_000 });
    // The service's own restart (words a healthy instance says before it exits 0).
    await waitFor(() => running() && d.runtimes.get('web')!.status().health === 'healthy', { timeoutMs: 15_000 });
    const pid2 = d.runtimes.get('web')!.status().pid;
    writeFileSync(again, '1');
    await waitFor(() => running() && d.runtimes.get('web')!.status().pid !== pid2, { timeoutMs: 15_000 });
    // Both are read once the third restart shows in either (the API's answer and the event's count are not one read).
    let all = await counts(port, 'web');
    await waitFor(async () => {
      all = await counts(port, 'web');
      return all.status >= 3 && all.metric >= 3;
    }, { timeoutMs: 10_000 }).catch(() => undefined);
    expect(all.byReason).toEqual({ doctor: 1, manual: 1, self: 1 });
    expect(all.status).toBe(3);
    expect(all.metric).toBe(3);
  }, 90_000);

  it('after a daemon restart, status keeps its RESTARTS while clawback_restarts_total starts again from 0, and the docs say which is which', async () => {
    // A few restarts, then a person stops it: the second daemon leaves it stopped, so it restarts nothing.
    const config = { services: [{ name: 'svc', command: [NODE, path.join(FIXTURES, 'exit-with.mjs'), '1', '100'], restart: { backoff: { initial: '100ms', max: '100ms', jitter: 0 }, intensity: { maxRestarts: 50, window: '10m' } } }] };
    td = await startTestDaemon(config);
    const dir = td.dir;
    await waitFor(() => (td!.daemon.runtimes.get('svc')?.status().restarts ?? 0) >= 2, { timeoutMs: 20_000 });
    await td.daemon.runtimes.get('svc')!.stop();
    const first = await counts(td.daemon.api!.port);
    expect(first.phase).toBe('stopped');
    expect(first.status).toBeGreaterThanOrEqual(2);
    expect(first.metric).toBe(first.status);
    await td.stop();
    td = await startTestDaemon(config, { dir });
    const second = await counts(td.daemon.api!.port);
    expect(second.phase).toBe('stopped');
    expect(second.status).toBe(first.status);
    expect(second.metric).toBe(0);
    // The metric's HELP and the metrics table say so: "the same count as RESTARTS" was true only until the daemon restarted.
    const text = await (await fetch(`http://127.0.0.1:${td.daemon.api!.port}/metrics`)).text();
    expect(text).toMatch(/^# HELP clawback_restarts_total .*since this daemon started.*kept across daemon restarts/m);
    const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
    const row = readFileSync(path.join(root, 'examples/monitoring/README.md'), 'utf8').split('\n').find((l) => l.startsWith('| `clawback_restarts_total` |'))!;
    expect(row).toMatch(/since this daemon started/);
    expect(row).toMatch(/RESTARTS is kept in `state.json` across daemon restarts/);
  }, 90_000);
});
