// An https URL on a port that speaks plain http: `clawback notify test` printed OpenSSL's internals
// ("…ssl3_get_record:wrong version number:../deps/openssl/…ssl3_record.c:350:") and a stray newline. Now one line that
// says what is wrong.
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

describe('an https channel URL on a plain-http port', () => {
  it('notify test says in one line that the endpoint does not speak TLS', async () => {
    server = http.createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const file = path.join(tempDir(), 'clawback.yaml');
    writeFileSync(
      file,
      ['services:', '  - { name: app, command: [sleep, "1"] }', 'notify:', '  channels:', `    - { type: slack, name: tls, url: "https://127.0.0.1:${port}/services/T0/B0/s3cr3t" }`, ''].join('\n'),
    );
    const r = await runCli(['notify', 'test', '-c', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('FAIL tls: fetch failed: ERR_SSL_WRONG_VERSION_NUMBER the endpoint does not answer in TLS: the URL says https, the server speaks something else (plain http?)\n');
    expect(r.stdout).not.toMatch(/openssl|ssl3_/);
  }, 30_000);
});
