// `api: {host: "not a host!"}` passed validate, then `clawback run` ended with "cannot getaddrinfo: getaddrinfo
// ENOTFOUND not a host!" (exit 1): no field named. An address of another machine was told to "free the port, or set
// api.port". Both now name api.host, the value, and what is expected; nothing is started.
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

async function runWithHost(host: string) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'clawback-api-host-'));
  const marker = path.join(dir, 'started');
  const file = path.join(dir, 'clawback.yaml');
  const command = JSON.stringify([process.execPath, '-e', `require('fs').writeFileSync(${JSON.stringify(marker)}, '')`]);
  writeFileSync(file, `stateDir: ./state\napi: {host: ${JSON.stringify(host)}, port: 0}\nservices:\n  - {name: a, command: ${command}}\n`);
  const r = await runCli(['--config', file, 'run'], { env: { HOME: dir, CLAWBACK_STATE_DIR: '' }, timeoutMs: 30_000 });
  return { ...r, started: existsSync(marker) };
}

describe('clawback run with an api.host it cannot listen on', () => {
  it('a name that does not resolve: names api.host and its value, exit 1, no service started, no stack trace', async () => {
    const r = await runWithHost('not a host!');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('the host name does not resolve');
    expect(r.stderr).toContain('Set api.host in the config to an address of this machine (got "not a host!"; default 127.0.0.1)');
    expect(r.stderr).not.toMatch(/getaddrinfo|\n\s+at /);
    expect(r.started).toBe(false);
  });

  it('an address of another machine: told to set api.host, not to free the port', async () => {
    const r = await runWithHost('192.0.2.1');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('not an address of this machine (EADDRNOTAVAIL)');
    expect(r.stderr).toContain('Set api.host in the config to an address of this machine (got "192.0.2.1"');
    expect(r.stderr).not.toContain('Free the port');
    expect(r.started).toBe(false);
  });
});
