// A model endpoint that is busy for a moment (429, 503) does not end the run: tried again on the run's clock, bounded.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { promises as fs } from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import { FIXED_CONFIG, makeScenario, type Scenario } from './scenario.js';
import { MAX_MODEL_ATTEMPTS, retryDelayMs } from '../../src/emergency/api-endpoint.js';

const API_KEY = 'sk-test-abcdefghijklmnopqrstuvwx0123';
let scenario: Scenario | undefined;
let server: http.Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  await scenario?.cleanup();
  scenario = undefined;
  server = undefined;
});

/** Chat-completions on 127.0.0.1: `busy` answers (status, Retry-After 0) first, then the scripted turns. */
async function endpoint(busy: number[], turns: Array<Array<{ name: string; arguments: Record<string, unknown> }>>): Promise<{ url: string; statuses: number[] }> {
  const statuses: number[] = [];
  let ok = 0;
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const n = statuses.length;
      if (n < busy.length) {
        statuses.push(busy[n]!);
        res.writeHead(busy[n]!, { 'content-type': 'application/json', 'retry-after': '0' }).end(`{"error":"busy, key ${API_KEY}"}`);
        return;
      }
      statuses.push(200);
      const calls = (turns[ok] ?? []).map((c, j) => ({ id: `c${ok}_${j}`, type: 'function', function: { name: c.name, arguments: JSON.stringify(c.arguments) } }));
      ok++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ choices: [{ message: { role: 'assistant', content: calls.length ? null : 'done', ...(calls.length ? { tool_calls: calls } : {}) } }] }));
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, statuses };
}

it('429 then 503 then answers: the run goes on and fixes the service; the tries are in the transcript', { timeout: 60_000 }, async () => {
  scenario = await makeScenario();
  await scenario.host.start();
  const ep = await endpoint([429, 503], [[{ name: 'write_config', arguments: { text: FIXED_CONFIG } }], [{ name: 'restart_service', arguments: {} }], [{ name: 'finish', arguments: { summary: 'port set to 0' } }]]);
  const r = await scenario.run({ adapter: 'openai', baseUrl: ep.url, model: 'stand-in', timeBox: '30s', verifyWindow: '1500ms' }, { adapterOptions: { env: { OPENAI_API_KEY: API_KEY } } });
  expect(ep.statuses.slice(0, 3)).toEqual([429, 503, 200]);
  expect(r.outcome).toBe('fixed');
  expect(await fs.readFile(scenario.host.configPath, 'utf8')).toBe(FIXED_CONFIG);
  const transcript = await fs.readFile(r.transcriptPath!, 'utf8');
  expect(transcript).toContain('model endpoint answered 429: try 2 of 4');
  expect(transcript).toContain('model endpoint answered 503: try 3 of 4');
});

it('an endpoint busy for good: the run fails after a bounded number of tries, the key redacted', { timeout: 60_000 }, async () => {
  scenario = await makeScenario();
  const ep = await endpoint(Array.from({ length: 50 }, () => 429), []);
  const r = await scenario.run({ adapter: 'openai', baseUrl: ep.url, model: 'stand-in', timeBox: '30s', verifyWindow: '1s' }, { adapterOptions: { env: { OPENAI_API_KEY: API_KEY } } });
  expect(r.outcome).toBe('failed');
  expect(ep.statuses).toHaveLength(MAX_MODEL_ATTEMPTS);
  expect(r.summary).toContain(`answered 429 (after ${MAX_MODEL_ATTEMPTS} tries)`);
  expect(r.summary).not.toContain(API_KEY);
});

it('the wait: Retry-After in seconds when given, else 1 s, 2 s, 4 s; never more than 30 s', () => {
  expect([1, 2, 3].map((a) => retryDelayMs(a, null))).toEqual([1000, 2000, 4000]);
  expect(retryDelayMs(1, '3')).toBe(3000);
  expect(retryDelayMs(1, '3600')).toBe(30_000);
  expect(retryDelayMs(2, 'Wed, 21 Oct 2015 07:28:00 GMT')).toBe(2000);
});
