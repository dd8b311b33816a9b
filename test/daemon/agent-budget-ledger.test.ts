// The agent budget on real processes survives what state.json does not: the file moved aside, the service removed and re-added.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { NODE, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { runCli } from '../helpers/cli.js';

let daemons: TestDaemon[] = [];
afterEach(async () => {
  for (const d of daemons) await d.stop();
  daemons = [];
});

const crashy = {
  name: 'crashy',
  command: [NODE, '-e', 'process.exit(78)'],
  restart: { preventExitCodes: [78] },
  doctor: { attempts: 0, confirmAfter: '1s' },
  emergency: {
    adapter: 'command',
    command: [NODE, '-e', "console.log('Error: could not fix it'); process.exit(1)"],
    timeBox: '30s',
    verifyWindow: '1s',
    budget: { runs: 1, window: '24h' },
  },
};
const bystander = { name: 'bystander', command: [NODE, '-e', 'setInterval(() => {}, 1000)'] };
const BUDGET_SPENT = /no agent run left: the budget of 1 run\(s\) per \S+ is spent/;

describe('the agent budget is kept in a ledger beside state.json', () => {
  it('state.json moved aside (corrupt): the next daemon finds the budget spent, no second paid run', { timeout: 90_000 }, async () => {
    const dir = tempDir();
    const first = await startTestDaemon({ services: [crashy] }, { dir });
    daemons.push(first);
    await waitFor(() => first.events.find((e) => e.type === 'incident.escalated'), { timeoutMs: 40_000 });
    expect(first.events.filter((e) => e.type === 'agent.started')).toHaveLength(1);
    await first.stop();
    daemons = [];

    writeFileSync(path.join(first.stateDir, 'state.json'), '{"version": 1, "services": {"crashy": ');
    const second = await startTestDaemon({ services: [crashy] }, { dir });
    daemons.push(second);
    const escalated = await waitFor(() => second.events.find((e) => e.type === 'incident.escalated'), { timeoutMs: 40_000 });
    expect(escalated.message).toMatch(BUDGET_SPENT);
    expect(second.events.filter((e) => e.type === 'agent.started')).toHaveLength(0);
  });

  it('a reload that removes the service and the next that adds it back: no fresh budget', { timeout: 90_000 }, async () => {
    const t = await startTestDaemon({ services: [crashy, bystander] });
    daemons.push(t);
    const of = (type: string) => t.events.filter((e) => e.type === type);
    await waitFor(() => of('incident.escalated')[0], { timeoutMs: 40_000 });
    expect(of('agent.started')).toHaveLength(1);

    const full = readFileSync(t.configFile, 'utf8');
    const cfg = YAML.parse(full) as { services: Array<{ name: string }> };
    writeFileSync(t.configFile, YAML.stringify({ ...cfg, services: cfg.services.filter((s) => s.name !== 'crashy') }));
    expect((await runCli(['reload', '--config', t.configFile, '--state-dir', t.stateDir])).stdout).toContain('removed crashy');
    writeFileSync(t.configFile, full);
    expect((await runCli(['reload', '--config', t.configFile, '--state-dir', t.stateDir])).stdout).toContain('added crashy');

    const second = await waitFor(() => of('incident.escalated')[1], { timeoutMs: 40_000 });
    expect(second.message).toMatch(BUDGET_SPENT);
    expect(of('agent.started')).toHaveLength(1);
  });
});
