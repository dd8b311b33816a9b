// A gateway config with gateway.bind beyond loopback and no auth. Seen with the real gateway 2026.9.6 in a container:
// `gateway.bind: "auto"` and no token -> `clawback init` wrote `--bind auto` without a word, and under `clawback run` the
// gateway exited 78 after 53 s ("Refusing to bind gateway to auto without auth. Container environment detected"), the
// breaker tripped and the doctor ran for nothing. init must say what will not work, and what to set.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runInit, type InitIo } from '../../src/cli/cmd-init.js';
import { realCommandRunner } from '../../src/platform/command-runner.js';
import { isContainerEnvironment } from '../../src/presets/container-environment.js';

async function init(gateway: string, container: boolean, env: Record<string, string> = {}): Promise<string[]> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'clawback-bind-auth-'));
  const home = path.join(root, 'home');
  const cwd = path.join(root, 'work');
  for (const d of [path.join(home, '.openclaw'), cwd]) mkdirSync(d, { recursive: true });
  writeFileSync(path.join(home, '.openclaw', 'openclaw.json'), `{ gateway: ${gateway} }\n`);
  const err: string[] = [];
  const io: InitIo = {
    // No openclaw on PATH: detection reads the config itself (no CLI child).
    env: { PATH: '/usr/bin:/bin', HOME: home, ...env },
    home,
    platform: 'linux',
    cwd,
    runner: realCommandRunner(),
    now: new Date('2026-05-01T12:00:00Z'),
    stdout: () => {},
    stderr: (t) => err.push(t),
    container,
  };
  expect(await runInit({ preset: 'openclaw' }, io)).toBe(0);
  return err.filter((l) => l.includes('gateway.bind'));
}

describe('init: a bind beyond loopback without auth', () => {
  it('auto in a container, lan, custom: says the gateway refuses to start and what to set', async () => {
    const auto = await init('{ mode: "local", bind: "auto", port: 18999 }', true);
    expect(auto).toHaveLength(1);
    expect(auto[0]).toContain('gateway.bind is "auto" and this is a container (the gateway then binds 0.0.0.0)');
    expect(auto[0]).toContain('refuses to start (exit 78');
    expect(auto[0]).toContain('gateway.auth.token');
    for (const bind of ['lan', 'custom']) expect(await init(`{ mode: "local", bind: "${bind}", port: 18999 }`, false)).toHaveLength(1);
  });

  it('says nothing for loopback, for auto outside a container, or with a token or password set', async () => {
    expect(await init('{ mode: "local", bind: "loopback", port: 18999 }', true)).toEqual([]);
    expect(await init('{ mode: "local", bind: "auto", port: 18999 }', false)).toEqual([]);
    expect(await init('{ mode: "local", bind: "lan", port: 18999, auth: { token: "t-1234567890" } }', true)).toEqual([]);
    expect(await init('{ mode: "local", bind: "auto", port: 18999, auth: { mode: "password", password: "p-1234567890" } }', true)).toEqual([]);
  });

  it('a token only in the environment: the gateway starts only while the daemon has it', async () => {
    const w = await init('{ mode: "local", bind: "lan", port: 18999 }', false, { OPENCLAW_GATEWAY_TOKEN: 'x-1234567890' });
    expect(w).toHaveLength(1);
    expect(w[0]).toContain("only while OPENCLAW_GATEWAY_TOKEN is in the daemon's environment");
    expect(w[0]).not.toContain('x-1234567890');
  });

  it('detects a container as the gateway does (markers in a given root)', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'clawback-container-'));
    expect(isContainerEnvironment({}, root)).toBe(false);
    mkdirSync(path.join(root, 'proc', '1'), { recursive: true });
    writeFileSync(path.join(root, 'proc', '1', 'cgroup'), '0::/kubepods/besteffort/pod1234\n');
    expect(isContainerEnvironment({}, root)).toBe(true);
    expect(isContainerEnvironment({ FLY_MACHINE_ID: 'm', FLY_APP_NAME: 'a' }, mkdtempSync(path.join(os.tmpdir(), 'clawback-container-')))).toBe(true);
  });
});
