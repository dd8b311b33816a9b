// An OpenAI-compatible answer whose text is not one string (text parts, or a refusal): the run's summary keeps its words.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { makeScenario, type Scenario } from './scenario.js';

let scenario: Scenario | undefined;
let server: http.Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  await scenario?.cleanup();
  scenario = undefined;
  server = undefined;
});

async function answering(message: Record<string, unknown>): Promise<string> {
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ choices: [{ message: { role: 'assistant', ...message } }] })));
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
}

const cfg = (baseUrl: string) => ({ adapter: 'openai' as const, baseUrl, model: 'stand-in', timeBox: '20s', verifyWindow: '1s' });

it('content as text parts: the summary is their text, not "(the model ended without a summary)"', { timeout: 60_000 }, async () => {
  scenario = await makeScenario();
  const r = await scenario.run(cfg(await answering({ content: [{ type: 'text', text: 'port is the string "oops"; ' }, { type: 'text', text: 'it must be a number.' }] })));
  expect(r.summary).toContain('Agent said: port is the string "oops"; it must be a number.');
});

it('a refusal (content null): the summary says the model refused and why', { timeout: 60_000 }, async () => {
  scenario = await makeScenario();
  const r = await scenario.run(cfg(await answering({ content: null, refusal: "I can't help with changing that configuration." })));
  expect(r.summary).toContain("Agent said: the model refused: I can't help with changing that configuration.");
});
