// A model endpoint that is down or breaks off mid-answer: the run's end (and so the Level 4 alert) names it and the cause.
import http from 'node:http';
import net from 'node:net';
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

/** A loopback port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

const cfg = (baseUrl: string) => ({ adapter: 'openai' as const, baseUrl, model: 'stand-in', timeBox: '20s', verifyWindow: '1s' });

it('nothing listens at the baseUrl (a local model server not started): the run fails naming the endpoint and ECONNREFUSED, not "fetch failed"', { timeout: 60_000 }, async () => {
  scenario = await makeScenario();
  const port = await closedPort();
  const r = await scenario.run(cfg(`http://127.0.0.1:${port}/v1`));
  expect(r.outcome).toBe('failed');
  expect(r.summary).toContain(`model endpoint http://127.0.0.1:${port}/v1/chat/completions could not be reached`);
  expect(r.summary).toContain('ECONNREFUSED');
  const fin = scenario.events.find((e) => e.type === 'agent.finished')!;
  expect(fin.message).toContain('ECONNREFUSED');
});

it('an endpoint that closes the connection mid-answer: the run fails saying it broke off its answer, not "terminated"', { timeout: 60_000 }, async () => {
  scenario = await makeScenario();
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"choices":[{"mess');
      setTimeout(() => res.destroy(), 50);
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const r = await scenario.run(cfg(`http://127.0.0.1:${port}/v1`));
  expect(r.outcome).toBe('failed');
  expect(r.summary).toContain(`model endpoint http://127.0.0.1:${port}/v1/chat/completions broke off its answer (status 200)`);
  expect(r.summary).toMatch(/other side closed|ECONNRESET|terminated:/);
});
