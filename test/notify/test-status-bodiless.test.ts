// `clawback notify test` still printed the status twice for an answer with no body ("FAIL hook HTTP 302: HTTP 302
// (redirects are not followed; ...)", "FAIL hook HTTP 500: HTTP 500"): only "HTTP n: ..." was recognised as a repeat.
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

describe('notify test on an endpoint answering without a body', () => {
  it('names the status once: a redirect, a 500', async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/moved') res.writeHead(302, { location: 'http://example.com/elsewhere' });
      else res.writeHead(500);
      res.end();
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const file = path.join(tempDir(), 'clawback.yaml');
    writeFileSync(
      file,
      [
        'services:',
        '  - { name: app, command: [sleep, "1"] }',
        'notify:',
        '  channels:',
        `    - { type: webhook, name: moved, url: "http://127.0.0.1:${port}/moved" }`,
        `    - { type: webhook, name: broken, url: "http://127.0.0.1:${port}/broken" }`,
        '',
      ].join('\n'),
    );
    const r = await runCli(['notify', 'test', '-c', file]);
    const lines = r.stdout.split('\n');
    const moved = lines.find((l) => l.includes(' moved ')) ?? '';
    const broken = lines.find((l) => l.includes(' broken ')) ?? '';
    expect(moved).toMatch(/^FAIL moved HTTP 302 \(redirects are not followed; it points to http:\/\/example\.com\//);
    expect(broken).toMatch(/^FAIL broken HTTP 500/);
    for (const l of [moved, broken]) expect(l).not.toMatch(/HTTP (\d+)\b.*HTTP \1\b/);
    expect(r.code).toBe(1);
  });
});
