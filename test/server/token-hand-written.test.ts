// A token chosen by hand is either usable by every client or replaced: a passphrase with spaces was kept by the daemon
// and refused on every request (cut at its first space), a token holding a character no HTTP header can carry was kept
// and no client could even send it ("the file changed since; restart the daemon", which changed nothing).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestDaemon, tempDir, FIXTURES, NODE, type TestDaemon } from '../helpers/daemon.js';
import { runCli } from '../helpers/cli.js';
import { readToken, tokenPath } from '../../src/server/token.js';

let running: TestDaemon | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

async function daemonWithToken(token: string): Promise<TestDaemon> {
  const dir = tempDir();
  mkdirSync(path.join(dir, 'state'), { recursive: true, mode: 0o700 });
  writeFileSync(tokenPath(path.join(dir, 'state')), `${token}\n`, { mode: 0o600 });
  running = await startTestDaemon({ services: [{ name: 'web', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] }, { dir });
  return running;
}

describe('a hand-written API token', () => {
  it('holding spaces (a passphrase) is kept and works for the CLI and a plain HTTP client', async () => {
    const passphrase = 'correct horse battery staple 42';
    const d = await daemonWithToken(passphrase);
    expect(readToken(d.stateDir)).toBe(passphrase);
    const cli = await runCli(['restart', 'web', '--state-dir', d.stateDir], { timeoutMs: 60_000 });
    expect(cli.stderr).not.toMatch(/refused the API token/);
    expect(cli.code).toBe(0);
    const api = d.daemon.api!;
    const res = await fetch(`http://127.0.0.1:${api.port}/api/services/web/restart`, { method: 'POST', headers: { authorization: `Bearer ${passphrase}` } });
    expect(res.status).toBe(200);
    // A wrong passphrase sharing the first word is still refused.
    const wrong = await fetch(`http://127.0.0.1:${api.port}/api/services/web/restart`, { method: 'POST', headers: { authorization: 'Bearer correct horse battery staple 43' } });
    expect(wrong.status).toBe(401);
  }, 90_000);

  it('holding a character no HTTP header carries is replaced by a fresh token the CLI can use', async () => {
    const d = await daemonWithToken('sommer-urlaub-2026-kostet-500€');
    const fresh = readToken(d.stateDir);
    expect(fresh).toBeDefined();
    expect(fresh).not.toContain('€');
    const cli = await runCli(['restart', 'web', '--state-dir', d.stateDir], { timeoutMs: 60_000 });
    expect(cli.code).toBe(0);
  }, 90_000);
});
