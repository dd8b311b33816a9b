// `clawback init --preset openclaw` in a shell that exports OPENCLAW_GATEWAY_TOKEN, with a gateway config that sets no
// gateway.auth.token: init wrote the file without a word (seen with the real gateway 2026.9.6 config), while the daemon
// started from that shell warns at start that the gateway takes the inherited value as its token. init says it too.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runInit, type InitIo } from '../../src/cli/cmd-init.js';
import { realCommandRunner } from '../../src/platform/command-runner.js';

async function init(gateway: string, env: Record<string, string>, json = false): Promise<{ err: string[]; out: string[] }> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'clawback-init-token-'));
  const home = path.join(root, 'home');
  const cwd = path.join(root, 'work');
  for (const d of [path.join(home, '.openclaw'), cwd]) mkdirSync(d, { recursive: true });
  writeFileSync(path.join(home, '.openclaw', 'openclaw.json'), `{ gateway: ${gateway} }\n`);
  const err: string[] = [];
  const out: string[] = [];
  const io: InitIo = {
    // No openclaw on PATH: detection reads the config itself (no CLI child).
    env: { PATH: '/usr/bin:/bin', HOME: home, ...env },
    home,
    platform: 'linux',
    cwd,
    runner: realCommandRunner(),
    now: new Date('2026-12-05T12:00:00Z'),
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    container: false,
  };
  expect(await runInit({ preset: 'openclaw', dryRun: true, ...(json ? { json } : {}) }, io)).toBe(0);
  return { err: err.filter((l) => l.includes('OPENCLAW_GATEWAY_TOKEN')), out };
}

describe('init: OPENCLAW_GATEWAY_TOKEN inherited from the shell', () => {
  it('a loopback gateway without gateway.auth.token: warned, the value never printed', async () => {
    const { err } = await init('{ mode: "local", bind: "loopback", port: 28999 }', { OPENCLAW_GATEWAY_TOKEN: 'tok-5551234567' });
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(/^warning: OPENCLAW_GATEWAY_TOKEN is set in this environment and .*openclaw\.json sets no gateway\.auth\.token/);
    expect(err[0]).toContain('unsetEnv');
    expect(err[0]).not.toContain('tok-5551234567');
  });

  it('also in the --json answer', async () => {
    const { out } = await init('{ mode: "local", bind: "loopback", port: 28999 }', { OPENCLAW_GATEWAY_TOKEN: 'tok-5551234567' }, true);
    const answer = JSON.parse(out.join('')) as { warnings: string[] };
    expect(answer.warnings.some((w) => w.startsWith('OPENCLAW_GATEWAY_TOKEN is set in this environment'))).toBe(true);
  });

  it('nothing when the config sets a token, uses password auth, or the variable is not set', async () => {
    const env = { OPENCLAW_GATEWAY_TOKEN: 'tok-5551234567' };
    expect((await init('{ mode: "local", bind: "loopback", port: 28999, auth: { token: "cfg-1234567890" } }', env)).err).toEqual([]);
    expect((await init('{ mode: "local", bind: "loopback", port: 28999, auth: { mode: "password", password: "p-1234567890" } }', env)).err).toEqual([]);
    expect((await init('{ mode: "local", bind: "loopback", port: 28999 }', {})).err).toEqual([]);
  });
});
