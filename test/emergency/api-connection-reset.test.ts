// A model endpoint that drops the connection before answering (its kept-alive socket closed as a request went out) does
// not end the run: nothing was answered, so the request is sent again, bounded as a busy answer is.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { promises as fs } from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import { FIXED_CONFIG, makeScenario, type Scenario } from './scenario.js';
import { MAX_MODEL_ATTEMPTS, connectionResetCode } from '../../src/emergency/api-endpoint.js';

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

/** Chat-completions on 127.0.0.1 that destroys the socket of its first `resets` requests unanswered, then plays `turns`. */
async function endpoint(resets: number, turns: Array<Array<{ name: string; arguments: Record<string, unknown> }>>): Promise<{ url: string; seen: () => number }> {
  let n = 0;
  let ok = 0;
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (n++ < resets) {
        req.socket.destroy();
        return;
      }
      const calls = (turns[ok] ?? []).map((c, j) => ({ id: `c${ok}_${j}`, type: 'function', function: { name: c.name, arguments: JSON.stringify(c.arguments) } }));
      ok++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ choices: [{ message: { role: 'assistant', content: calls.length ? null : 'done', ...(calls.length ? { tool_calls: calls } : {}) } }] }));
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, seen: () => n };
}

it('a connection reset before the answer: the request is sent again and the run fixes the service; the try is in the transcript', { timeout: 60_000 }, async () => {
  scenario = await makeScenario();
  await scenario.host.start();
  const ep = await endpoint(1, [[{ name: 'write_config', arguments: { text: FIXED_CONFIG } }], [{ name: 'restart_service', arguments: {} }], [{ name: 'finish', arguments: { summary: 'port set to 0' } }]]);
  const r = await scenario.run({ adapter: 'openai', baseUrl: ep.url, model: 'stand-in', timeBox: '30s', verifyWindow: '1500ms' }, { adapterOptions: { env: { OPENAI_API_KEY: API_KEY } } });
  expect(r.outcome).toBe('fixed');
  expect(await fs.readFile(scenario.host.configPath, 'utf8')).toBe(FIXED_CONFIG);
  const transcript = await fs.readFile(r.transcriptPath!, 'utf8');
  expect(transcript).toMatch(/model endpoint no answer: the connection was reset \((?:ECONNRESET|UND_ERR_SOCKET|EPIPE|UND_ERR_CLOSED)\): try 2 of 4/);
});

it('an endpoint that resets every connection: the run fails after a bounded number of tries, naming the cause', { timeout: 60_000 }, async () => {
  scenario = await makeScenario();
  const ep = await endpoint(50, []);
  const r = await scenario.run({ adapter: 'openai', baseUrl: ep.url, model: 'stand-in', timeBox: '30s', verifyWindow: '1s' }, { adapterOptions: { env: { OPENAI_API_KEY: API_KEY } } });
  expect(r.outcome).toBe('failed');
  expect(ep.seen()).toBe(MAX_MODEL_ATTEMPTS);
  expect(r.summary).toMatch(/could not be reached: .*(?:ECONNRESET|other side closed|socket)/i);
  expect(r.summary).not.toContain(API_KEY);
});

it('only a broken connection is retried, found in fetch error causes; a refused port is not', () => {
  expect(connectionResetCode(Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }) }))).toBe('ECONNRESET');
  expect(connectionResetCode(Object.assign(new TypeError('fetch failed'), { cause: { code: 'UND_ERR_SOCKET' } }))).toBe('UND_ERR_SOCKET');
  expect(connectionResetCode(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }))).toBeUndefined();
  expect(connectionResetCode(new Error('x'))).toBeUndefined();
});
