// A model answer holding hundreds of tool calls (a model looping on restart_service) runs a bounded number of them.
import { promises as fs } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { makeScenario, type Scenario } from './scenario.js';
import { startOpenAiStandIn, type StandIn } from './model-standins.js';
import { MAX_CALLS_PER_TURN } from '../../src/emergency/tool-loop.js';

let scenario: Scenario | undefined;
let standIn: StandIn | undefined;

afterEach(async () => {
  await standIn?.close();
  await scenario?.cleanup();
  scenario = undefined;
  standIn = undefined;
});

describe('Level 3 API agent: tool calls per turn are bounded', () => {
  it('300 restart_service calls in one answer: at most the cap run, every call answered, one refusal reported', async () => {
    scenario = await makeScenario();
    await scenario.host.start();
    const flood = Array.from({ length: 300 }, () => ({ name: 'restart_service', arguments: {} }));
    standIn = await startOpenAiStandIn([{ calls: flood }, { calls: [{ name: 'finish', arguments: { summary: 'restarted it' } }] }]);
    const before = scenario.host.calls.length;
    const r = await scenario.run(
      { adapter: 'openai', baseUrl: `${standIn.url}/v1`, model: 'stand-in', timeBox: '60s', verifyWindow: '500ms' },
      { adapterOptions: { env: { OPENAI_API_KEY: 'sk-test-abcdefghijklmnopqrstuvwx0123' } } },
    );
    const restarts = scenario.host.calls.slice(before).filter((c) => c === 'restartService').length;
    // (+1: the runner's own restart before it verifies)
    expect(restarts).toBeLessThanOrEqual(MAX_CALLS_PER_TURN + 1);
    expect(restarts).toBeGreaterThan(0);
    // Every call id got its result (the protocol needs one per call), the ones past the cap refused.
    const last = standIn.requests[standIn.requests.length - 1]!.body.messages as Array<{ role: string; content: string }>;
    const results = last.filter((m) => m.role === 'tool');
    expect(results).toHaveLength(300);
    expect(results.filter((m) => m.content.startsWith('REFUSED: at most'))).toHaveLength(300 - MAX_CALLS_PER_TURN);
    expect(scenario.events.filter((e) => e.details?.action === 'agent-tool-refused')).toHaveLength(1);
    const transcript = await fs.readFile(r.transcriptPath!, 'utf8');
    expect(transcript.split('\n').filter((l) => l.startsWith('tool call ')).length).toBe(MAX_CALLS_PER_TURN + 1);
  }, 90_000);
});
