// A drill on a service with Level 3 enabled launched a real AI agent (port-steal: the doctor cannot free the drill's port) while neither the plan nor the report said so.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/daemon.js';
import { drillDaemonPerFile } from './drill-daemon.js';

const agentDir = tempDir('clawback-drill-agent-');
const marker = path.join(agentDir, 'agent-ran.log');
const agent = path.join(agentDir, 'agent.sh');
writeFileSync(agent, `#!/bin/sh\necho "ran $1" >> '${marker}'\n`, { mode: 0o755 });

interface Report {
  trials: Array<{ scenario: string; notes: string[]; asExpected: boolean }>;
}

describe('clawback drill with Level 3 enabled', () => {
  const d = drillDaemonPerFile('gateway', { emergency: { adapter: 'command', command: [agent, '{prompt_file}'], timeBox: '30s', verifyWindow: '2s' } });

  it('the plan says a real agent can be launched, and the trial that launched one says so', async () => {
    const r = await runCli(['drill', 'port-steal', '--yes', '--json', '--timeout', '60', '--state-dir', d.stateDir], { timeoutMs: 150_000 });
    expect(r.stderr).toContain('Level 3 is enabled for "gw": a fault the doctor does not fix (e.g. port-steal, where the drill holds the port) can launch a real command agent (fix, time-box 30s), which uses a run of its budget (3 per 24h0m)');
    const report = JSON.parse(r.stdout) as Report;
    // The agent really ran (its own file) ...
    expect(existsSync(marker), r.stderr).toBe(true);
    expect(readFileSync(marker, 'utf8')).toContain('prompt');
    // ... and the trial says so, on the terminal and in the report.
    const note = report.trials[0]!.notes.find((n) => n.startsWith('Level 3: 1 AI agent run launched by this trial'));
    expect(note, JSON.stringify(report.trials[0]!.notes)).toContain('command agent started for gw (fix, time-box 30s)');
    expect(note).not.toContain('watch with');
    expect(r.stderr).toContain('  Level 3: 1 AI agent run launched by this trial');
  }, 160_000);
});
