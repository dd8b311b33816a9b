// A known secret that is also a number or a word of the exposition (a PIN, a common word) must not break /metrics.
import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { startTestDaemon, FIXTURES, NODE, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { redactLabelValues, labelValue } from '../../src/observe/exposition-text.js';
import { Redactor, REDACTED } from '../../src/observe/redact.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

/** The Debian `prometheus` package provides promtool; a missing binary is a failure, never a skip. */
function promtoolCheck(text: string): { status: number | null; out: string } {
  const found = spawnSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' }).stdout.trim();
  if (!found) throw new Error('promtool not found on PATH: install the Debian package "prometheus"');
  const r = spawnSync(found, ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('/metrics with secrets that look like numbers and words', () => {
  it('a PIN in a memory limit and a password that is a word of a metric name leave the exposition valid; a secret in a label value is still redacted', async () => {
    const sleeper = [NODE, path.join(FIXTURES, 'sleeper.mjs')];
    td = await startTestDaemon({
      services: [
        // 1000 is in the 1 GB limit (1000000000), "healthy" in clawback_probe_healthy and its HELP.
        { name: 'db', command: sleeper, env: { ADMIN_PASSWORD: '1000' }, probes: [{ kind: 'memory', limit: '1GB', interval: '200ms' }] },
        { name: 'web', command: sleeper, env: { ADMIN_PASSWORD: 'healthy' }, probes: [{ kind: 'memory', limit: '2GB', interval: '200ms' }] },
        // A service whose name carries a secret: the label value is redacted, escaped, and the line stays valid.
        { name: 'vault-s3cr3tpw', command: sleeper, env: { DB_PASSWORD: 's3cr3tpw' }, probes: [{ kind: 'memory', limit: '1GB', interval: '200ms' }] },
      ],
    });
    const t = td;
    await waitFor(() => ['db', 'web', 'vault-s3cr3tpw'].every((n) => t.daemon.runtimes.get(n)?.status().health === 'healthy'), { timeoutMs: 15_000 });
    const text = await (await fetch(`http://127.0.0.1:${t.daemon.api!.port}/metrics`)).text();

    const check = promtoolCheck(text);
    expect(check.status, `promtool check metrics:\n${check.out}`).toBe(0);
    expect(text).toContain('clawback_service_memory_limit_bytes{service="db"} 1000000000');
    expect(text).toContain('# TYPE clawback_probe_healthy gauge');
    expect(text).toContain('clawback_probe_healthy{service="web",probe="memory",kind="memory"} 1');
    expect(text).not.toContain('s3cr3tpw');
    expect(text).toContain(`clawback_service_up{service="vault-${REDACTED}"} 1`);
  }, 60_000);

  it('redactLabelValues: values are redacted whole and escaped again; names, HELP, le bounds and sample values are left alone', () => {
    const r = new Redactor(['1200', 'line"one\\two', 'gate']);
    const odd = 'line"one\\two\nthree';
    const text = [
      '# HELP clawback_x_seconds Time in gate, 1200 at most.',
      '# TYPE clawback_x_seconds histogram',
      `clawback_x_seconds_bucket{service="gate",probe="${labelValue(odd)}",le="1200"} 1200`,
      'clawback_x_seconds_sum 1200.5',
      '',
    ].join('\n');
    expect(redactLabelValues(text, (v) => r.redact(v))).toBe(
      [
        '# HELP clawback_x_seconds Time in gate, 1200 at most.',
        '# TYPE clawback_x_seconds histogram',
        `clawback_x_seconds_bucket{service="${REDACTED}",probe="${REDACTED}\\nthree",le="1200"} 1200`,
        'clawback_x_seconds_sum 1200.5',
        '',
      ].join('\n'),
    );
  });
});
