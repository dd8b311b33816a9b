// The monitoring examples run through the real promtool: the alert rules' unit tests (alert-rules.test.yaml), and the
// Grafana dashboard's "up" queries evaluated on series where a service is down on purpose (expected_up 0).
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { tempDir } from '../helpers/daemon.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MONITORING = path.join(ROOT, 'examples/monitoring');
const PROMTOOL = '/usr/bin/promtool';
const run = promisify(execFile);

async function promtool(args: string[], cwd: string): Promise<{ ok: boolean; out: string }> {
  try {
    const { stdout, stderr } = await run(PROMTOOL, args, { cwd, timeout: 60_000, env: { ...process.env, CLAWBACK_TEST_CHILD: '1' } });
    return { ok: true, out: stdout + stderr };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    return { ok: false, out: `${e.stdout ?? ''}${e.stderr ?? ''}${e.message}` };
  }
}

describe.skipIf(!existsSync(PROMTOOL))('examples/monitoring with promtool', () => {
  it('the alert rules load, and their unit tests pass (a restart storm across a daemon restart included)', async () => {
    const check = await promtool(['check', 'rules', 'alert-rules.yaml'], MONITORING);
    expect(check.ok, check.out).toBe(true);
    const test = await promtool(['test', 'rules', 'alert-rules.test.yaml'], MONITORING);
    expect(test.ok, test.out).toBe(true);
  }, 90_000);

  it("the dashboard's up panels show a service down on purpose (a person's stop, a finished job) apart from one down", async () => {
    const dash = JSON.parse(readFileSync(path.join(MONITORING, 'grafana-dashboard.json'), 'utf8')) as { panels: Array<{ title: string; targets?: Array<{ expr: string }> }> };
    const exprs = dash.panels.flatMap((p) => (p.targets ?? []).filter((t) => t.expr.includes('clawback_service_up')).map((t) => ({ title: p.title, expr: t.expr.replaceAll('$service', '.*') })));
    expect(exprs.length).toBeGreaterThanOrEqual(2);
    const at = 'job="clawback",instance="h:18790"';
    const dir = tempDir();
    writeFileSync(path.join(dir, 'none.yaml'), 'groups: []\n');
    const file = {
      rule_files: ['none.yaml'],
      evaluation_interval: '1m',
      tests: exprs.map(({ expr }) => ({
        interval: '1m',
        input_series: [
          // stopped by a person: down, expected down
          { series: `clawback_service_up{${at},service="stopped"}`, values: '0x5' },
          { series: `clawback_service_expected_up{${at},service="stopped"}`, values: '0x5' },
          // crashed: down, expected up
          { series: `clawback_service_up{${at},service="crashed"}`, values: '0x5' },
          { series: `clawback_service_expected_up{${at},service="crashed"}`, values: '1x5' },
          { series: `clawback_service_up{${at},service="running"}`, values: '1x5' },
          { series: `clawback_service_expected_up{${at},service="running"}`, values: '1x5' },
          // a daemon from before clawback_service_expected_up: its up as it is
          { series: `clawback_service_up{job="clawback",instance="old:18790",service="older"}`, values: '0x5' },
        ],
        promql_expr_test: [
          {
            expr: `sum by (service) (${expr})`,
            eval_time: '3m',
            exp_samples: [
              { labels: '{service="stopped"}', value: 2 },
              { labels: '{service="crashed"}', value: 0 },
              { labels: '{service="running"}', value: 1 },
              { labels: '{service="older"}', value: 0 },
            ],
          },
        ],
      })),
    };
    writeFileSync(path.join(dir, 'panels.test.yaml'), stringify(file));
    const test = await promtool(['test', 'rules', 'panels.test.yaml'], dir);
    expect(test.ok, `${exprs.map((e) => e.title).join(', ')}:\n${test.out}`).toBe(true);
  }, 90_000);
});
