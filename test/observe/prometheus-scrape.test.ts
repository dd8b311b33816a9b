// Metrics with real parts: a real Prometheus scrapes the daemon with its bearer token; promtool checks /metrics and runs the rule tests.
import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestDaemon, FIXTURES, NODE, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';
import { freePort } from '../helpers/ports.js';
import { Receiver } from '../notify/receiver.js';

const MONITORING = fileURLToPath(new URL('../../examples/monitoring/', import.meta.url));

/** The Debian `prometheus` package provides both; CI installs it. A missing binary is a failure, never a skip. */
function requireBinary(name: string): string {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  const found = r.stdout.trim();
  if (r.status !== 0 || !found) {
    throw new Error(`${name} not found on PATH: install the Debian package "prometheus" (apt-get install -y prometheus); the metrics tests need the real Prometheus and promtool`);
  }
  return found;
}

/** Every series the shipped Grafana dashboard and alert rules read (emergency runs need a Level 3 run: checked by name in /metrics HELP only). */
function seriesUsed(): string[] {
  const text = readFileSync(path.join(MONITORING, 'grafana-dashboard.json'), 'utf8') + readFileSync(path.join(MONITORING, 'alert-rules.yaml'), 'utf8');
  const names = new Set(text.match(/\bclawback_[a-z_]+/g) ?? []);
  return [...names].sort();
}

let td: TestDaemon | undefined;
let prom: MarkedChild | undefined;
let receiver: Receiver | undefined;
afterEach(async () => {
  prom?.kill();
  await prom?.exited;
  prom = undefined;
  await td?.stop();
  td = undefined;
  await receiver?.close();
  receiver = undefined;
});

describe('metrics with a real Prometheus', () => {
  it('promtool test rules passes on the shipped alert-rule tests', () => {
    const promtool = requireBinary('promtool');
    const r = spawnSync(promtool, ['test', 'rules', 'alert-rules.test.yaml'], { cwd: MONITORING, encoding: 'utf8', env: { ...process.env, CLAWBACK_TEST_CHILD: '1' }, timeout: 60_000 });
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toContain('SUCCESS');
  });

  it('Prometheus scrapes /metrics with the bearer token and sees every series the dashboard and rules use; promtool check metrics passes', async () => {
    const prometheus = requireBinary('prometheus');
    const promtool = requireBinary('promtool');
    receiver = await Receiver.start();
    td = await startTestDaemon({
      notify: { channels: [{ type: 'webhook', url: `${receiver.base}/webhook/m`, mode: 'every-event' }], backoff: { initial: 50, max: 300 } },
      services: [
        {
          name: 'svc',
          command: [NODE, path.join(FIXTURES, 'sleeper.mjs')],
          restart: { backoff: { initial: '100ms', jitter: 0 } },
          probes: [
            { kind: 'memory', limit: '1GB', interval: '500ms' },
            { kind: 'tcp', port: receiver.port, interval: '500ms', action: 'notify' },
          ],
        },
      ],
    });
    const t = td;
    const rt = t.daemon.runtimes.get('svc')!;
    await waitFor(() => rt.status().health === 'healthy', { timeoutMs: 15_000 });
    process.kill(rt.status().pid!, 'SIGKILL');
    await waitFor(() => t.events.some((e) => e.type === 'incident.resolved'), { timeoutMs: 15_000 });
    await receiver.waitFor(() => receiver!.accepted.length > 3, 10_000, 'alerts delivered');

    const apiPort = t.daemon.api!.port;
    const metricsText = await (await fetch(`http://127.0.0.1:${apiPort}/metrics`)).text();
    const check = spawnSync(promtool, ['check', 'metrics'], { input: metricsText, encoding: 'utf8', timeout: 30_000 });
    expect(check.status, `promtool check metrics:\n${check.stdout}${check.stderr}`).toBe(0);

    const dir = tempDir('clawback-prom-');
    mkdirSync(path.join(dir, 'data'));
    const token = readFileSync(path.join(t.stateDir, 'token'), 'utf8').trim();
    writeFileSync(
      path.join(dir, 'prometheus.yml'),
      [
        'global:',
        '  scrape_interval: 1s',
        '  scrape_timeout: 1s',
        'scrape_configs:',
        '  - job_name: clawback',
        '    authorization:',
        '      type: Bearer',
        `      credentials: ${JSON.stringify(token)}`,
        '    static_configs:',
        `      - targets: ["127.0.0.1:${apiPort}"]`,
        '',
      ].join('\n'),
    );
    const webPort = await freePort();
    prom = spawnMarked(prometheus, [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${webPort}`,
    ]);
    const query = async (q: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> => {
      const res = await fetch(`http://127.0.0.1:${webPort}/api/v1/query?query=${encodeURIComponent(q)}`);
      const body = (await res.json()) as { data?: { result?: Array<{ metric: Record<string, string>; value: [number, string] }> } };
      return body.data?.result ?? [];
    };
    await waitFor(async () => (await query('up{job="clawback"} == 1').catch(() => [])).length === 1, { timeoutMs: 40_000, intervalMs: 500 });

    // A second incident while Prometheus watches: every counter and histogram the incident drives moves.
    const moving = [
      'sum(clawback_restarts_total)',
      'sum(clawback_incidents_total)',
      'sum(clawback_time_to_recover_seconds_count)',
      'sum(clawback_notifications_total{result="delivered"})',
      'sum(clawback_probe_duration_seconds_count)',
      'sum(clawback_daemon_cpu_seconds_total)',
    ];
    const value = async (q: string): Promise<number> => Number((await query(q))[0]?.value[1] ?? 0);
    const before = new Map<string, number>();
    for (const q of moving) before.set(q, await value(q));
    const resolvedBefore = t.events.filter((e) => e.type === 'incident.resolved').length;
    process.kill(rt.status().pid!, 'SIGKILL');
    await waitFor(() => t.events.filter((e) => e.type === 'incident.resolved').length > resolvedBefore, { timeoutMs: 15_000 });
    const still: string[] = [];
    for (const q of moving) {
      const moved = await waitFor(async () => (await value(q)) > before.get(q)!, { timeoutMs: 20_000, intervalMs: 500 }).then(() => true, () => false);
      if (!moved) still.push(`${q} stayed at ${before.get(q)}`);
    }
    expect(still, 'series that did not move in Prometheus during an incident').toEqual([]);

    const missing: string[] = [];
    for (const name of seriesUsed()) {
      if (name === 'clawback_emergency_runs_total') continue; // needs a Level 3 agent run; its HELP line is checked below
      // Only while an incident is open (this one resolves within a scrape): its HELP line is checked below, its value in
      // incident-oldest-open.test.ts.
      if (name === 'clawback_incident_oldest_open_start_time_seconds') continue;
      const found = await query(`{__name__=~"${name}(_bucket|_sum|_count)?"}`);
      if (found.length === 0) missing.push(name);
    }
    expect(missing, `series the dashboard/rules use but Prometheus did not scrape`).toEqual([]);
    expect(metricsText).toContain('# HELP clawback_emergency_runs_total');
    expect(metricsText).toContain('# HELP clawback_incident_oldest_open_start_time_seconds ');
    const delivered = await query('sum(clawback_notifications_total{result="delivered"})');
    expect(Number(delivered[0]?.value[1] ?? 0)).toBeGreaterThan(0);
    console.log(`[measure] Prometheus ${spawnSync(prometheus, ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0]} scraped ${seriesUsed().length} series names used by examples/monitoring`);
  }, 120_000);
});
