// A model that reads a big log over and over: what is sent back to it stays bounded per result and per run.
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

it('sixteen 256 KB log reads a turn for ten turns: each result keeps the newest lines within 64 K, the run stops growing the conversation at its budget', { timeout: 60_000 }, async () => {
  scenario = await makeScenario();
  // 500 lines of about 512 bytes: what the daemon's log tail returns at most (256 KB).
  await fs.writeFile(scenario.host.logFile, `${Array.from({ length: 500 }, (_, i) => `line ${i} ${'x'.repeat(500)}`).join('\n')}\n`);
  const step = { calls: Array.from({ length: 16 }, () => ({ name: 'read_logs', arguments: { lines: 500 } })) };
  standIn = await startOpenAiStandIn(Array.from({ length: 10 }, () => step));
  const r = await scenario.run(
    { adapter: 'openai', baseUrl: `${standIn.url}/v1`, model: 'stand-in', timeBox: '50s', verifyWindow: '1s', maxTurns: 10 },
    { adapterOptions: { env: { OPENAI_API_KEY: 'sk-test-abcdefghijklmnopqrstuvwx0123' } } },
  );
  expect(standIn.requests.length).toBe(10);
  const sizes = standIn.requests.map((q) => q.raw.length);
  // Without the bounds the tenth request carried 37 MB (every earlier 256 KB result, re-sent).
  expect(Math.max(...sizes)).toBeLessThan(3_000_000);
  const tools = (standIn.requests[1]!.body.messages as Array<{ role: string; content: string }>).filter((m) => m.role === 'tool');
  expect(tools).toHaveLength(16);
  const first = tools[0]!.content;
  expect(first.length).toBeLessThan(66_000);
  expect(first).toContain('line 499 ');
  expect(first).toContain('earlier output cut');
  expect(first.startsWith('<untrusted-log>')).toBe(true);
  expect(first.trimEnd().endsWith('</untrusted-log>')).toBe(true);
  // Past the budget calls are refused unexecuted, and the model is told to finish.
  const last = (standIn.requests[9]!.body.messages as Array<{ role: string; content: string }>).filter((m) => m.role === 'tool').slice(-16);
  expect(last.every((m) => m.content.includes('tool output budget'))).toBe(true);
  expect(r.refusedCalls.some((c) => c.reason.includes('tool output budget'))).toBe(true);
});
