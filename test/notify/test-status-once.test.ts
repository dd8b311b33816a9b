// `clawback notify test` printed an answer's status twice ("FAIL hook HTTP 429: HTTP 429: {...}"): once is enough.
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/daemon.js';

let server: http.Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

describe('notify test on a refusing endpoint', () => {
  it('names the status once, with the endpoint answer and the rate limit', async () => {
    server = http.createServer((_req, res) => {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '7' });
      res.end('{"message":"slow down"}');
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const file = path.join(tempDir(), 'clawback.yaml');
    writeFileSync(file, ['services:', '  - { name: app, command: [sleep, "1"] }', 'notify:', '  channels:', `    - { type: webhook, name: hook, url: "http://127.0.0.1:${port}/hook" }`, ''].join('\n'));
    const r = await runCli(['notify', 'test', '-c', file]);
    const line = r.stdout.split('\n').find((l) => l.includes('hook')) ?? '';
    expect(line).toMatch(/^FAIL hook HTTP 429: /);
    expect(line).not.toMatch(/HTTP 429: HTTP 429/);
    expect(line).toContain('slow down');
    expect(line).toMatch(/rate-limited; the endpoint asks to wait 7/);
  });
});
