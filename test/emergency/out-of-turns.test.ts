// A model that uses up maxTurns without calling finish: an unfinished run, verified anyway and said so, reverted unless healthy.
import { promises as fs } from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import { makeScenario, FIXED_CONFIG, type Scenario } from './scenario.js';
import { startOpenAiStandIn, type StandIn } from './model-standins.js';

let scenario: Scenario | undefined;
let standIn: StandIn | undefined;
afterEach(async () => {
  await standIn?.close();
  await scenario?.cleanup();
  scenario = undefined;
  standIn = undefined;
});

const KEY = { OPENAI_API_KEY: 'sk-test-abcdefghijklmnopqrstuvwx0123' };

function ended(s: Scenario): { message: string; severity: string; details: Record<string, unknown> } | undefined {
  return s.events.find((e) => e.type === 'incident.action' && (e.details as { action?: string }).action === 'agent-ended') as never;
}

it('three turns of check_health, never finish, the service still broken: "ran out of turns", a warning, reverted', { timeout: 60_000 }, async () => {
  scenario = await makeScenario();
  standIn = await startOpenAiStandIn(Array.from({ length: 10 }, () => ({ calls: [{ name: 'check_health', arguments: {} }] })));
  const r = await scenario.run(
    { adapter: 'openai', baseUrl: `${standIn.url}/v1`, model: 'stand-in', timeBox: '30s', verifyWindow: '1s', maxTurns: 3 },
    { adapterOptions: { env: KEY } },
  );
  expect(standIn.requests.length).toBe(3);
  expect(r.fixed).toBe(false);
  // Before: "openai finished after 91ms: the model did not finish within 3 turns", severity info, outcome "failed".
  const e = ended(scenario)!;
  expect(e.message).toContain('openai ran out of turns');
  expect(e.message).not.toContain('finished after');
  expect(e.severity).toBe('warning');
  expect(e.details).toMatchObject({ agentStatus: 'out-of-turns', outOfTurns: 3 });
  const verdict = scenario.events.find((x) => x.type === 'agent.finished')!;
  expect(verdict.message).toContain('did not fix gw (the agent ran out of turns (all 3 used without calling finish)');
  expect(verdict.details).toMatchObject({ outcome: 'out-of-turns', outOfTurns: 3 });
  const result = JSON.parse(await fs.readFile(`${r.incidentDir}/agent-result.json`, 'utf8')) as Record<string, unknown>;
  expect(result).toMatchObject({ outcome: 'failed', outOfTurns: 3 });
  expect(await fs.readFile(r.transcriptPath!, 'utf8')).toContain('=== stopped: ran out of turns: all 3 used without calling finish ===');
});

it('a good write_config then out of turns: verified healthy, kept, and the verdict still says it ran out of turns', { timeout: 60_000 }, async () => {
  scenario = await makeScenario();
  standIn = await startOpenAiStandIn([
    { calls: [{ name: 'write_config', arguments: { text: FIXED_CONFIG } }] },
    { calls: [{ name: 'restart_service', arguments: {} }] },
    ...Array.from({ length: 10 }, () => ({ calls: [{ name: 'check_health', arguments: {} }] })),
  ]);
  const r = await scenario.run(
    { adapter: 'openai', baseUrl: `${standIn.url}/v1`, model: 'stand-in', timeBox: '30s', verifyWindow: '1s', maxTurns: 3 },
    { adapterOptions: { env: KEY } },
  );
  expect(r.fixed).toBe(true);
  expect(await fs.readFile(scenario.host.configPath, 'utf8')).toBe(FIXED_CONFIG);
  expect(ended(scenario)!.message).toContain('openai ran out of turns');
  const verdict = scenario.events.find((x) => x.type === 'agent.finished')!;
  expect(verdict.message).toMatch(/Level 3 fixed gw: .*; the agent ran out of turns \(all 3 used without calling finish\), kept because the service verified healthy anyway/);
  expect(verdict.details).toMatchObject({ outcome: 'fixed', outOfTurns: 3 });
});

it('a model that calls finish within its turns: no out-of-turns word anywhere', { timeout: 60_000 }, async () => {
  scenario = await makeScenario();
  standIn = await startOpenAiStandIn([{ calls: [{ name: 'finish', arguments: { summary: 'looked, nothing to do' } }] }]);
  await scenario.run({ adapter: 'openai', baseUrl: `${standIn.url}/v1`, model: 'stand-in', timeBox: '30s', verifyWindow: '1s', maxTurns: 3 }, { adapterOptions: { env: KEY } });
  expect(ended(scenario)!.details).not.toHaveProperty('outOfTurns');
  expect(ended(scenario)!.details).toMatchObject({ agentStatus: 'completed' });
  expect(scenario.events.find((x) => x.type === 'agent.finished')!.details).not.toHaveProperty('outOfTurns');
});
