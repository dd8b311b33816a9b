// `clawback drill` and a recovery it did not cause: with an agent run in flight it refuses (exit 2), and with --force it never sends `resume` over that run nor lifts the Level 4 hold that follows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { waitFor } from '../helpers/processes.js';
import { startAgentInFlightDaemon, type AgentInFlightDaemon } from '../helpers/agent-in-flight.js';
import { recoveryUnderWay } from '../../src/drill/target.js';
import { resumeWouldOverrule } from '../../src/drill/drill-context.js';
import type { ServiceStatus } from '../../src/daemon/service-runtime.js';

describe('clawback drill and a recovery under way that it did not cause', () => {
  let d: AgentInFlightDaemon | undefined;
  let stateDir: string;
  const status = () => d!.status();
  const journal = (): Array<{ type: string; message: string; time: number }> =>
    readFileSync(path.join(stateDir, 'journal.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; message: string; time: number });

  beforeAll(async () => {
    // The agent thinks for 15 s and fixes nothing: Level 3 in flight, then Level 4.
    d = await startAgentInFlightDaemon('clawback-drill-incident-', 15_000, { drillable: true });
    stateDir = d.stateDir;
  }, 60_000);

  afterAll(async () => {
    await d?.stop();
  });

  it('refuses while an agent run is in flight (exit 2); with --force it sends no resume: the run is not cancelled and the Level 4 hold stays', async () => {
    await d!.breakUntilAgentRuns();

    const refused = await runCli(['drill', 'crash', '--yes', '--timeout', '3', '--state-dir', stateDir], { timeoutMs: 60_000 });
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toContain('"gw" has an agent run in flight');
    expect(refused.stderr).toContain('--force');
    expect((await status()).work?.kind).toBe('agent');

    // --force: the drill waits for the service to settle (3 s, shorter than the agent's run), then sends no resume.
    const drillFrom = Date.now();
    const forced = await runCli(['drill', 'crash', '--yes', '--force', '--timeout', '3', '--state-dir', stateDir], { timeoutMs: 90_000 });
    expect(forced.code, forced.stderr).toBe(1);
    expect(forced.stdout).toContain('no `resume` was sent: an agent run is in flight');
    expect((await status()).work?.kind).toBe('agent');
    // The run ends on its own (it fixed nothing): Level 4 holds for a person, and nothing of the drill lifted it.
    await waitFor(async () => ((await status()).incident?.status === 'waiting-human' ? true : undefined), { timeoutMs: 40_000, intervalMs: 200 });
    const events = journal().filter((e) => e.time >= drillFrom);
    expect(events.filter((e) => e.type === 'agent.finished').map((e) => e.message).join('\n')).not.toContain('cancelled by a person');
    expect(events.filter((e) => e.type === 'breaker.resumed' || /resume by a person/.test(e.message))).toEqual([]);
    expect((await status()).held).not.toBeNull();
  }, 150_000);
});

describe('recoveryUnderWay / resumeWouldOverrule', () => {
  const base = { name: 'gw', state: 'running', pid: 10, held: null, incident: null, work: null, maintenance: null, nextRestartAt: null } as unknown as ServiceStatus;
  const work = { kind: 'doctor', id: 'run-1', incidentId: 'inc-1', startedAt: 0, deadline: 1 } as ServiceStatus['work'];
  const incident = (openedAt: number) => ({ id: 'inc-1', openedAt, level: 2, reason: 'crash loop' }) as ServiceStatus['incident'];
  it('a calm service is free; work, a hold or an incident is a recovery under way', () => {
    expect(recoveryUnderWay(base)).toBeUndefined();
    expect(recoveryUnderWay({ ...base, work })).toContain('has a doctor run in flight (incident inc-1)');
    expect(recoveryUnderWay({ ...base, held: { reason: 'repair', detail: 'a Level 3 agent is at work', since: 0 } })).toContain('is held (repair');
    expect(recoveryUnderWay({ ...base, incident: incident(0) })).toContain('open incident (inc-1, level 2');
  });
  it('the drill may resume only what began after it and has no work in flight', () => {
    expect(resumeWouldOverrule(base, 100)).toBeUndefined();
    expect(resumeWouldOverrule({ ...base, held: { reason: 'crash-loop', detail: 'x', since: 150 }, incident: incident(120) }, 100)).toBeUndefined();
    expect(resumeWouldOverrule({ ...base, work, incident: incident(120) }, 100)).toContain('a doctor run is in flight');
    expect(resumeWouldOverrule({ ...base, held: { reason: 'repair', detail: 'agent', since: 150 }, incident: incident(120) }, 100)).toContain('repair at work');
    expect(resumeWouldOverrule({ ...base, held: { reason: 'human', detail: 'x', since: 150 }, incident: incident(50) }, 100)).toContain('open before the drill began');
    expect(resumeWouldOverrule({ ...base, held: { reason: 'config', detail: 'x', since: 50 } }, 100)).toContain('set before the drill began');
  });
});
