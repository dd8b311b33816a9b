// A split OpenClaw config keeps the gateway block in an `$include`d file: init and the port-drift check must read the
// port and bind there, as the gateway does, or the --port pin silently moves the user's gateway to 18789.
import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runInit, type InitIo } from '../../src/cli/cmd-init.js';
import { loadConfig } from '../../src/config/load.js';
import { readPortDrift } from '../../src/doctor/port-drift.js';
import { realCommandRunner } from '../../src/platform/command-runner.js';

function split(gatewayPart: string): { home: string; cwd: string; config: string; part: string } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'clawback-split-'));
  const home = path.join(root, 'home');
  const cwd = path.join(root, 'work');
  const dir = path.join(home, '.openclaw');
  for (const d of [dir, cwd]) mkdirSync(d, { recursive: true });
  const config = path.join(dir, 'openclaw.json');
  const part = path.join(dir, 'gateway.json5');
  writeFileSync(config, '// split\n{ gateway: { mode: "local", $include: "./gateway.json5" }, }\n');
  writeFileSync(part, gatewayPart);
  return { home, cwd, config, part };
}

function io(home: string, cwd: string): InitIo & { err: string[] } {
  const err: string[] = [];
  return {
    // No openclaw on PATH: detection reads the default config itself (no CLI child).
    env: { PATH: '/usr/bin:/bin', HOME: home },
    home,
    platform: 'linux',
    cwd,
    runner: realCommandRunner(),
    now: new Date('2026-05-01T12:00:00Z'),
    stdout: () => {},
    stderr: (t) => err.push(t),
    err,
  };
}

describe('openclaw preset: gateway settings in an $include', () => {
  it('init pins the port and bind the included file sets, not 18789/loopback', async () => {
    const w = split('{ port: 19555, bind: "lan", auth: { mode: "token", token: "t" } }');
    expect(await runInit({ preset: 'openclaw' }, io(w.home, w.cwd))).toBe(0);
    const s = loadConfig({ file: path.join(w.cwd, 'clawback.yaml'), stateDir: path.join(w.cwd, 'state') }).config.services[0]!;
    expect(s.port).toBe(19555);
    expect(s.command.slice(-4)).toEqual(['--bind', 'lan', '--port', '19555']);
    expect(s.probes.find((p) => p.name === 'liveness')).toMatchObject({ url: 'http://127.0.0.1:19555/healthz' });
  }, 20_000);

  it('a gateway.port changed in the included file is reported as drift', async () => {
    const w = split('{ port: 19555 }');
    expect(await runInit({ preset: 'openclaw' }, io(w.home, w.cwd))).toBe(0);
    const s = loadConfig({ file: path.join(w.cwd, 'clawback.yaml'), stateDir: path.join(w.cwd, 'state') }).config.services[0]!;
    expect(await readPortDrift(s)).toBeUndefined();
    writeFileSync(w.part, '{ port: 19600 }');
    expect(await readPortDrift(s)).toMatchObject({ supervised: 19555, configured: 19600, path: 'gateway.port' });
    // A sibling key in the main file wins over the include, as in OpenClaw's merge.
    writeFileSync(w.config, '{ gateway: { mode: "local", $include: "./gateway.json5", port: 19555 } }');
    expect(await readPortDrift(s)).toBeUndefined();
  }, 20_000);
});
