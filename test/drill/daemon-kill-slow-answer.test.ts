// `clawback drill daemon-kill` on a service that answers, slowly: its health route takes 1.2 s (a loaded machine, a
// busy gateway), well inside its probe's 3 s timeout, so the daemon reports it healthy. The drill's own looks gave up
// after a fixed 500 ms (steady before the trial) and 1 s (the watch while the daemon is away): the trial was FAILED
// ("the service was not healthy within 15.0 s before the trial", or "N failed" polls) though the service never stopped
// serving. A slow answer is an answer: every look is bounded by the wait it belongs to.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NODE, tempDir } from '../helpers/daemon.js';
import { runCli } from '../helpers/cli.js';
import { drillDaemonPerFile } from './drill-daemon.js';
import type { DrillReport } from '../../src/drill/drill-result.js';

const server = path.join(tempDir('clawback-slow-answer-'), 'slow.mjs');
writeFileSync(
  server,
  "import http from 'node:http';\nhttp.createServer((req, res) => setTimeout(() => res.end('ok'), 1200)).listen(Number(process.argv[2]), '127.0.0.1');\n",
);

describe('drill daemon-kill on a service whose answers take 1.2 s', () => {
  const d = drillDaemonPerFile('gateway', { command: [NODE, server, '{port}'], healthTimeout: '3s' });

  it('passes: the slow answers are counted as serving, none as failed', async () => {
    const r = await runCli(['drill', 'daemon-kill', '--json', '--yes', '--timeout', '15', '--state-dir', d.stateDir], { timeoutMs: 150_000 });
    const report = JSON.parse(r.stdout) as DrillReport;
    const trial = report.trials[0]!;
    expect(trial.outcome).toMatch(/service polls: [1-9]\d* ok, 0 failed/);
    expect(trial).toMatchObject({ scenario: 'daemon-kill', recovered: true, asExpected: true });
    expect(r.code, r.stderr).toBe(0);
  }, 180_000);
});
