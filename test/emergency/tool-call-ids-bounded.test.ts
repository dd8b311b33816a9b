// A model whose tool-call ids are huge: they count against the run's bound on the model's answers and are cut in the transcript.
import { promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { makeScenario, type Scenario } from './scenario.js';

let scenario: Scenario | undefined;
let server: http.Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await scenario?.cleanup();
  scenario = undefined;
  server = undefined;
});

it('sixteen check_health calls a turn with 200 KB ids: the run ends at the model budget, the transcript stays small', { timeout: 90_000 }, async () => {
  scenario = await makeScenario();
  const sizes: number[] = [];
  server = http.createServer((req, res) => {
    let raw = 0;
    req.on('data', (c: Buffer) => (raw += c.length));
    req.on('end', () => {
      sizes.push(raw);
      const n = sizes.length;
      const calls = Array.from({ length: 16 }, (_, j) => ({ id: `id${n}_${j}_${'i'.repeat(200_000)}`, type: 'function', function: { name: 'check_health', arguments: '{}' } }));
      const text = JSON.stringify({ choices: [{ index: 0, message: { role: 'assistant', content: null, tool_calls: calls }, finish_reason: 'tool_calls' }] });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const r = await scenario.run(
    { adapter: 'openai', baseUrl: `http://127.0.0.1:${port}/v1`, model: 'stand-in', timeBox: '60s', verifyWindow: '1s', maxTurns: 30 },
    { adapterOptions: { env: { OPENAI_API_KEY: 'sk-test-abcdefghijklmnopqrstuvwx0123' } } },
  );
  // Without the bound: 20 requests in 30 s until the endpoint gave up, the last one 122 MB (each id echoed twice), a 128 MB transcript.
  expect(sizes.length).toBeLessThanOrEqual(4);
  expect(Math.max(...sizes)).toBeLessThan(20_000_000);
  expect(r.outcome).toBe('failed');
  expect(r.summary).toMatch(/the model's answers reached \d+ characters/);
  expect((await fs.stat(r.transcriptPath!)).size).toBeLessThan(500_000);
});
