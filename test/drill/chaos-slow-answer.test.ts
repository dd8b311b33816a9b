// `clawback drill chaos` on a service that answers, slowly: its health route takes 1.2 s, well inside its probe's 3 s
// timeout, so the daemon reports it healthy the whole run. The outside poll gave up on each look after a fixed 1 s:
// every poll failed, availability 0 % and the whole run "unexplained downtime" though the service never stopped
// serving and no fault was injected. One look is bounded by the probe's own timeout.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NODE, tempDir } from '../helpers/daemon.js';
import { runCli } from '../helpers/cli.js';
import { drillDaemonPerFile } from './drill-daemon.js';
import type { ChaosReport } from '../../src/drill/chaos-result.js';

const server = path.join(tempDir('clawback-chaos-slow-'), 'slow.mjs');
writeFileSync(
  server,
  "import http from 'node:http';\nhttp.createServer((req, res) => setTimeout(() => res.end('ok'), 1200)).listen(Number(process.argv[2]), '127.0.0.1');\n",
);

describe('drill chaos on a service whose answers take 1.2 s', () => {
  const d = drillDaemonPerFile('gateway', { command: [NODE, server, '{port}'], healthTimeout: '3s' });

  it('counts the slow answers as up: no failed poll, availability 100 %', async () => {
    // A mean interval far beyond the duration: seed 3 injects no fault, the run only measures availability.
    const r = await runCli(['drill', 'chaos', '--duration', '10s', '--mean-interval', '10m', '--seed', '3', '--scenarios', 'crash', '--timeout', '30', '--json', '--yes', '--report', path.join(d.dir, 'chaos.md'), '--state-dir', d.stateDir], { timeoutMs: 90_000 });
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as ChaosReport;
    expect(report.faults).toHaveLength(0);
    expect(report.poll.polls).toBeGreaterThanOrEqual(3);
    expect(report.poll.failed).toBe(0);
    expect(report.availability).toBe(1);
    expect(report.unexplainedDowntimeMs).toBe(0);
  }, 120_000);
});
