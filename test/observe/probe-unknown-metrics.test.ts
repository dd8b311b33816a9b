// Prometheus sees a probe that cannot run (unknown): clawback_probe_consecutive_unknowns, read by a real Prometheus and the shipped rule.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURES, NODE, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';
import { freePort } from '../helpers/ports.js';

const MONITORING = fileURLToPath(new URL('../../examples/monitoring/', import.meta.url));

function which(name: string): string {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  if (r.status !== 0 || !r.stdout.trim()) throw new Error(`${name} not found on PATH: install the Debian package "prometheus"`);
  return r.stdout.trim();
}

let td: TestDaemon | undefined;
let server: https.Server | undefined;
let prom: MarkedChild | undefined;
afterAll(async () => {
  prom?.kill();
  await prom?.exited;
  await td?.stop();
  server?.closeAllConnections();
  if (server?.listening) await new Promise((r) => server!.close(r));
});

describe('a probe that stays unknown, in /metrics', () => {
  it('clawback_probe_consecutive_unknowns counts the streak (0 once it judges); the ClawbackProbeUnknown rule selects it, ClawbackProbeFailing does not', async () => {
    const promtool = which('promtool');
    const prometheus = which('prometheus');
    const dir = tempDir('clawback-unknown-metrics-');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=svc', '-keyout', path.join(dir, 'k.pem'), '-out', path.join(dir, 'c.pem')], { stdio: 'ignore', timeout: 20_000 });
    server = https.createServer({ key: readFileSync(path.join(dir, 'k.pem')), cert: readFileSync(path.join(dir, 'c.pem')) }, (_q, res) => res.end('ok'));
    const port = await freePort();
    td = await startTestDaemon(
      {
        services: [
          {
            name: 'svc',
            command: [NODE, path.join(FIXTURES, 'sleeper.mjs')],
            // one failure before the server listens, then unknown: Prometheus must not keep reading the failure
            probes: [{ kind: 'http', name: 'health', url: `https://127.0.0.1:${port}/health`, interval: '200ms', timeout: '1s', startupGrace: '0s', action: 'notify' }],
          },
        ],
      },
      { dir },
    );
    const t = td;
    const apiPort = t.daemon.api!.port;
    const scrape = async () => (await fetch(`http://127.0.0.1:${apiPort}/metrics`)).text();
    const labels = 'service="svc",probe="health",kind="http"';
    const streak = async () => Number((await scrape()).match(new RegExp(`^clawback_probe_consecutive_unknowns\\{${labels}\\} (\\d+)$`, 'm'))?.[1] ?? NaN);
    await waitFor(async () => (await scrape()).includes(`clawback_probe_healthy{${labels}} 0`), { timeoutMs: 15_000 });
    await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
    await waitFor(async () => (await streak()) >= 4, { timeoutMs: 15_000 });
    const text = await scrape();
    expect(text).toContain('# TYPE clawback_probe_consecutive_unknowns gauge');
    const check = spawnSync(promtool, ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 30_000 });
    expect(check.status, `promtool check metrics:\n${check.stdout}${check.stderr}`).toBe(0);

    // A real Prometheus scrapes it; the shipped rules' expressions (their `for` aside) pick the probe as unknown, not failing.
    const pdir = path.join(dir, 'prom');
    mkdirSync(path.join(pdir, 'data'), { recursive: true });
    const token = readFileSync(path.join(t.stateDir, 'token'), 'utf8').trim();
    writeFileSync(
      path.join(pdir, 'prometheus.yml'),
      ['global:', '  scrape_interval: 1s', '  scrape_timeout: 1s', 'scrape_configs:', '  - job_name: clawback', '    authorization:', '      type: Bearer', `      credentials: ${JSON.stringify(token)}`, '    static_configs:', `      - targets: ["127.0.0.1:${apiPort}"]`, ''].join('\n'),
    );
    const webPort = await freePort();
    prom = spawnMarked(prometheus, [`--config.file=${path.join(pdir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(pdir, 'data')}`, `--web.listen-address=127.0.0.1:${webPort}`]);
    const query = async (q: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> => {
      const res = await fetch(`http://127.0.0.1:${webPort}/api/v1/query?query=${encodeURIComponent(q)}`);
      const body = (await res.json()) as { data?: { result?: Array<{ metric: Record<string, string>; value: [number, string] }> } };
      return body.data?.result ?? [];
    };
    const rules = parse(readFileSync(path.join(MONITORING, 'alert-rules.yaml'), 'utf8')) as { groups: Array<{ rules: Array<{ alert?: string; expr: string }> }> };
    const expr = (name: string) => rules.groups.flatMap((g) => g.rules).find((r) => r.alert === name)!.expr;
    await waitFor(async () => (await query(expr('ClawbackProbeUnknown')).catch(() => [])).length === 1, { timeoutMs: 40_000, intervalMs: 500 });
    const unknown = (await query(expr('ClawbackProbeUnknown')))[0]!;
    expect(unknown.metric).toMatchObject({ service: 'svc', probe: 'health', kind: 'http' });
    expect(Number(unknown.value[1])).toBeGreaterThanOrEqual(3);
    expect(await query(expr('ClawbackProbeFailing'))).toEqual([]);

    // The port closes: connection refused is a verdict again, the streak is 0.
    server.closeAllConnections();
    await new Promise((r) => server!.close(r));
    await waitFor(async () => (await streak()) === 0, { timeoutMs: 15_000 });
    expect(await scrape()).toContain(`clawback_probe_healthy{${labels}} 0`);
  }, 90_000);
});
