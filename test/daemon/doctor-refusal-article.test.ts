// `clawback doctor --fix` while the ladder's agent run is in flight: the daemon's refusal read "a agent run is in flight";
// the article now fits the work kind ("an agent", "a doctor").
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { startAgentInFlightDaemon, type AgentInFlightDaemon } from '../helpers/agent-in-flight.js';

describe('the daemon refuses a doctor run while an agent run is in flight', () => {
  let d: AgentInFlightDaemon | undefined;

  beforeAll(async () => {
    // The agent only thinks, longer than the test.
    d = await startAgentInFlightDaemon('clawback-doctor-article-', 30_000);
  }, 60_000);

  afterAll(async () => {
    await d?.stop();
  });

  it('says "an agent run is in flight", not "a agent"', async () => {
    await d!.breakUntilAgentRuns();
    const r = await runCli(['doctor', 'gw', '--fix', '--config', d!.config, '--state-dir', d!.stateDir], { timeoutMs: 60_000 });
    const said = r.stdout + r.stderr;
    expect(said).toContain('not started: an agent run is in flight');
    expect(said).not.toContain('a agent');
  }, 90_000);
});
