// `openclaw --dev` (profile "dev") runs on 19001 unless OPENCLAW_GATEWAY_PORT says otherwise: init pinning 18789 for it
// moved the dev gateway onto the default install's port.
import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runInit, type InitIo, type InitOptions } from '../../src/cli/cmd-init.js';
import { loadConfig } from '../../src/config/load.js';
import { realCommandRunner } from '../../src/platform/command-runner.js';

function world(devConfig: string): { home: string; cwd: string } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'clawback-devprof-'));
  const home = path.join(root, 'home');
  const cwd = path.join(root, 'work');
  for (const d of [cwd, path.join(home, '.openclaw'), path.join(home, '.openclaw-dev')]) mkdirSync(d, { recursive: true });
  writeFileSync(path.join(home, '.openclaw', 'openclaw.json'), '{ gateway: { mode: "local" } }');
  writeFileSync(path.join(home, '.openclaw-dev', 'openclaw.json'), devConfig);
  return { home, cwd };
}

async function port(w: { home: string; cwd: string }, env: NodeJS.ProcessEnv, o: Partial<InitOptions>): Promise<number | undefined> {
  const out = path.join(w.cwd, `c${Math.random().toString(36).slice(2)}.yaml`);
  const x: InitIo = {
    env: { PATH: '/usr/bin:/bin', HOME: w.home, ...env },
    home: w.home,
    platform: 'linux',
    cwd: w.cwd,
    runner: realCommandRunner(),
    now: new Date('2026-05-01T12:00:00Z'),
    stdout: () => {},
    stderr: () => {},
  };
  expect(await runInit({ preset: 'openclaw', out, ...o }, x)).toBe(0);
  return loadConfig({ file: out, stateDir: path.join(w.cwd, 'state') }).config.services[0]!.port;
}

describe('openclaw init --profile dev', () => {
  it('pins 19001 as `openclaw --dev` does, even over gateway.port; OPENCLAW_GATEWAY_PORT and --port still win', async () => {
    const plain = world('{ gateway: { mode: "local" } }');
    expect(await port(plain, {}, { profile: 'dev' })).toBe(19001);
    // The dev profile's env default beats the config (OpenClaw's resolveGatewayPort reads the env first).
    expect(await port(world('{ gateway: { mode: "local", port: 19555 } }'), {}, { profile: 'dev' })).toBe(19001);
    expect(await port(plain, { OPENCLAW_GATEWAY_PORT: '19100' }, { profile: 'dev' })).toBe(19100);
    expect(await port(plain, {}, { profile: 'dev', port: 19200 })).toBe(19200);
    // Other profiles and the default install keep 18789.
    expect(await port(plain, {}, {})).toBe(18789);
  }, 30_000);
});
