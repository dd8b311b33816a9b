// A model that answers megabytes of prose every turn: its answers, echoed back with every request, stay bounded per run.
import { promises as fs } from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import { makeScenario, type Scenario } from './scenario.js';
import { startOpenAiStandIn, type StandIn } from './model-standins.js';

let scenario: Scenario | undefined;
let standIn: StandIn | undefined;
afterEach(async () => {
  await standIn?.close();
  await scenario?.cleanup();
  scenario = undefined;
  standIn = undefined;
});

it('3.5 MB of text and a tool call each turn: the run ends as failed at the model budget, requests and transcript stay small, the config is untouched', { timeout: 90_000 }, async () => {
  scenario = await makeScenario();
  const before = await fs.readFile(scenario.host.configPath, 'utf8');
  const big = `thinking ${'x'.repeat(3_500_000)}`;
  standIn = await startOpenAiStandIn(Array.from({ length: 40 }, () => ({ text: big, calls: [{ name: 'check_health', arguments: {} }] })));
  const r = await scenario.run(
    { adapter: 'openai', baseUrl: `${standIn.url}/v1`, model: 'stand-in', timeBox: '60s', verifyWindow: '1s', maxTurns: 40 },
    { adapterOptions: { env: { OPENAI_API_KEY: 'sk-test-abcdefghijklmnopqrstuvwx0123' } } },
  );
  // Without the bound: 19-23 requests before the endpoint gave up, the last one 63-77 MB, a 66-80 MB transcript.
  expect(standIn.requests.length).toBeLessThanOrEqual(3);
  expect(Math.max(...standIn.requests.map((q) => q.raw.length))).toBeLessThan(9_000_000);
  expect(r.outcome).toBe('failed');
  expect(r.summary).toMatch(/the model's answers reached \d+ characters in \d+ turn\(s\), more than the 8000000 a run may hold/);
  const transcript = await fs.readFile(r.transcriptPath!, 'utf8');
  expect(transcript.length).toBeLessThan(200_000);
  expect(transcript).toContain('=== stopped: the model');
  expect(await fs.readFile(scenario.host.configPath, 'utf8')).toBe(before);
});
