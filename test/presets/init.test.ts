// `clawback init` on a fake HOME with a stand-in `openclaw` on PATH: detection, ports, no overwrite, dry runs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { runInit, type InitIo, type InitOptions } from '../../src/cli/cmd-init.js';
import { loadConfig } from '../../src/config/load.js';
import { realCommandRunner } from '../../src/platform/command-runner.js';

const savedMarker = process.env.CLAWBACK_TEST_CHILD;
beforeAll(() => {
  // The stand-in CLI is a real (short-lived) child: mark it like every test child.
  process.env.CLAWBACK_TEST_CHILD = '1';
});
afterAll(() => {
  if (savedMarker === undefined) delete process.env.CLAWBACK_TEST_CHILD;
  else process.env.CLAWBACK_TEST_CHILD = savedMarker;
});

interface World {
  home: string;
  bin: string;
  cwd: string;
  /** The stand-in records each call here. */
  calls: string;
}

/** A HOME with an `openclaw` script that answers `config file` with ~/.openclaw/custom.json (printed with "~"). */
function world(configText?: string): World {
  const root = mkdtempSync(path.join(os.tmpdir(), 'clawback-init-'));
  const home = path.join(root, 'home');
  const bin = path.join(root, 'bin');
  const cwd = path.join(root, 'work');
  for (const d of [home, bin, cwd, path.join(home, '.openclaw')]) mkdirSync(d, { recursive: true });
  const calls = path.join(root, 'calls.log');
  writeFileSync(
    path.join(bin, 'openclaw'),
    `#!/bin/sh\necho "$*" >> '${calls}'\nif [ "$1 $2" = "config file" ]; then echo "🦞 OpenClaw 2026.9.6"; echo "~/.openclaw/custom.json"; exit 0; fi\nexit 3\n`,
  );
  chmodSync(path.join(bin, 'openclaw'), 0o755);
  if (configText !== undefined) writeFileSync(path.join(home, '.openclaw', 'custom.json'), configText);
  return { home, bin, cwd, calls };
}

function io(w: World, env: NodeJS.ProcessEnv = {}): InitIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    env: { PATH: `${w.bin}:/usr/bin:/bin`, HOME: w.home, ...env },
    home: w.home,
    platform: 'linux',
    cwd: w.cwd,
    runner: realCommandRunner(),
    now: new Date('2026-05-01T12:00:00Z'),
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    out,
    err,
  };
}

const openclaw = (o: Partial<InitOptions> = {}): InitOptions => ({ preset: 'openclaw', ...o });

function service(file: string): ReturnType<typeof loadConfig>['config']['services'][number] {
  return loadConfig({ file, stateDir: path.join(path.dirname(file), 'state') }).config.services[0]!;
}

describe('clawback init --preset openclaw', () => {
  it('finds the binary on PATH, asks it for the config file, reads the port from the JSON5 config, and writes a valid commented file', async () => {
    const w = world('// my gateway\n{ gateway: { mode: "local", port: 19999, bind: "loopback", }, }\n');
    const x = io(w);
    expect(await runInit(openclaw(), x)).toBe(0);
    const file = path.join(w.cwd, 'clawback.yaml');
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(/^# clawback\.yaml for the OpenClaw gateway/);
    expect(text).toContain('# /healthz is 200');
    const s = service(file);
    expect(s.command).toEqual([path.join(w.bin, 'openclaw'), 'gateway', 'run', '--bind', 'loopback', '--port', '19999']);
    expect(s.configFile!.path).toBe(path.join(w.home, '.openclaw', 'custom.json'));
    expect(s.env.OPENCLAW_CONFIG_PATH).toBe(path.join(w.home, '.openclaw', 'custom.json'));
    expect(s.port).toBe(19999);
    expect(readFileSync(w.calls, 'utf8')).toContain('config file');
  });

  it('port order: --port, then OPENCLAW_GATEWAY_PORT, then gateway.port, then 18789', async () => {
    const withPort = world('{ gateway: { port: 19999 } }');
    const run = async (w: World, env: NodeJS.ProcessEnv, o: Partial<InitOptions>): Promise<number | undefined> => {
      const x = io(w, env);
      expect(await runInit(openclaw({ dryRun: true, ...o }), x)).toBe(0);
      const m = /--port\n\s+- "?(\d+)/.exec(x.out.join(''));
      return m ? Number(m[1]) : undefined;
    };
    expect(await run(withPort, {}, {})).toBe(19999);
    expect(await run(withPort, { OPENCLAW_GATEWAY_PORT: '20001' }, {})).toBe(20001);
    expect(await run(withPort, { OPENCLAW_GATEWAY_PORT: '20001' }, { port: 20002 })).toBe(20002);
    expect(await run(world('{ gateway: { mode: "local" } }'), {}, {})).toBe(18789);
    expect(await run(world(), { OPENCLAW_GATEWAY_PORT: 'junk' }, {})).toBe(18789);
  });

  it('OPENCLAW_CONFIG_PATH wins without asking the CLI', async () => {
    const w = world();
    const custom = path.join(w.home, 'elsewhere.json');
    writeFileSync(custom, '{ gateway: { port: 21000 } }');
    const x = io(w, { OPENCLAW_CONFIG_PATH: custom });
    expect(await runInit(openclaw({ dryRun: true }), x)).toBe(0);
    expect(x.out.join('')).toContain(`OPENCLAW_CONFIG_PATH: ${custom}`);
    expect(x.out.join('')).toContain('21000');
    expect(existsSync(w.calls)).toBe(false);
  });

  it('--dry-run prints the file and writes nothing', async () => {
    const w = world('{ gateway: { mode: "local" } }');
    const x = io(w);
    expect(await runInit(openclaw({ dryRun: true }), x)).toBe(0);
    expect(x.out.join('')).toContain('services:');
    expect(existsSync(path.join(w.cwd, 'clawback.yaml'))).toBe(false);
  });

  it('never overwrites an existing file without --force', async () => {
    const w = world('{ gateway: { mode: "local" } }');
    const file = path.join(w.cwd, 'clawback.yaml');
    writeFileSync(file, 'mine\n');
    const x = io(w);
    expect(await runInit(openclaw(), x)).toBe(1);
    expect(readFileSync(file, 'utf8')).toBe('mine\n');
    expect(x.err.join('')).toMatch(/not overwriting/);
    expect(await runInit(openclaw({ force: true }), io(w))).toBe(0);
    expect(service(file).name).toBe('openclaw-gateway');
  });

  it('--openclaw-bin and --out; a missing binary is a warning, not a failure', async () => {
    const w = world();
    const x = io(w, { PATH: '/usr/bin:/bin' });
    const out = path.join(w.cwd, 'sub.yaml');
    expect(await runInit(openclaw({ openclawBin: '/nowhere/openclaw', out }), x)).toBe(0);
    expect(x.err.join('')).toMatch(/does not exist/);
    expect(service(out).command[0]).toBe('/nowhere/openclaw');
    expect(service(out).configFile!.path).toBe(path.join(w.home, '.openclaw', 'openclaw.json'));
  });

  it('an OpenClaw systemd unit is detected: a loud warning in auto mode; external mode attaches to it', async () => {
    const w = world('{ gateway: { mode: "local" } }');
    mkdirSync(path.join(w.home, '.config', 'systemd', 'user'), { recursive: true });
    writeFileSync(path.join(w.home, '.config', 'systemd', 'user', 'openclaw-gateway.service'), '[Service]\n');
    const x = io(w);
    expect(await runInit(openclaw({ dryRun: true }), x)).toBe(0);
    expect(x.err.join('')).toMatch(/systemd service exists/);
    expect(x.out.join('')).toMatch(/# WARNING: OpenClaw's own systemd service exists/);
    const e = io(w);
    const code = await runInit(openclaw({ dryRun: true, mode: 'external' }), e);
    expect(code).toBe(0);
    // The printed file is a valid config whose service is restarted through systemd, not spawned.
    const { validateConfig } = await import('../../src/config/load.js');
    const cfg = validateConfig(YAML.parse(e.out.join('')), 'dry-run output');
    expect(cfg.services[0]!.external).toMatchObject({ restartCommand: ['systemctl', '--user', 'restart', 'openclaw-gateway.service'] });
    expect(cfg.services[0]!.external!.pidCommand).toContain('--property=MainPID');
  });
});

describe('clawback init --preset generic', () => {
  it('writes a valid service with a TCP probe for a port, or an HTTP probe for a URL', async () => {
    const w = world();
    expect(await runInit({ preset: 'generic', command: 'node server.js --port 3000', port: 3000, name: 'api' }, io(w))).toBe(0);
    const s = service(path.join(w.cwd, 'clawback.yaml'));
    expect(s).toMatchObject({ name: 'api', command: ['node', 'server.js', '--port', '3000'], shell: false, port: 3000 });
    expect(s.probes.map((p) => p.kind)).toEqual(['tcp', 'hang']);
    const x = io(w);
    expect(await runInit({ preset: 'generic', command: 'cd app && ./run', healthUrl: 'http://127.0.0.1:3000/health', dryRun: true }, x)).toBe(0);
    expect(x.out.join('')).toContain('shell: true');
  });

  it('rejects a missing command and an unknown preset with exit 2', async () => {
    const w = world();
    expect(await runInit({ preset: 'generic' }, io(w))).toBe(2);
    expect(await runInit({ preset: 'nope' }, io(w))).toBe(2);
  });
});

describe('clawback init: the verified interpreter, profiles, external mode (issue 5)', () => {
  /** A fake node that reports `version` and otherwise runs the script with sh (the stand-in scripts are sh). */
  function fakeNode(file: string, version: string): void {
    writeFileSync(file, `#!/bin/sh\nif [ "$1" = "--version" ]; then echo ${version}; exit 0; fi\nexec /bin/sh "$@"\n`);
    chmodSync(file, 0o755);
  }

  it('an env-node script with Node 20 first on PATH: the Node 24 found beside it is written by absolute path, with the real script', async () => {
    const w = world('{ gateway: { mode: "local", port: 19998 } }');
    // npm's layout: .bin/openclaw -> ../openclaw/openclaw.mjs, and `npm i node@24` puts .bin/node beside it.
    const pkg = path.join(w.bin, '..', 'pkg');
    mkdirSync(pkg, { recursive: true });
    const script = path.join(pkg, 'openclaw.mjs');
    writeFileSync(script, `#!/usr/bin/env node\nif [ "$1 $2" = "config file" ]; then echo "~/.openclaw/custom.json"; exit 0; fi\nexit 3\n`);
    chmodSync(script, 0o755);
    const { rmSync, symlinkSync } = await import('node:fs');
    rmSync(path.join(w.bin, 'openclaw'));
    symlinkSync(script, path.join(w.bin, 'openclaw'));
    fakeNode(path.join(w.bin, 'node'), 'v24.21.0');
    const old = path.join(w.bin, '..', 'old');
    mkdirSync(old);
    fakeNode(path.join(old, 'node'), 'v20.11.0');
    const x = io(w, { PATH: `${old}:${w.bin}:/usr/bin:/bin` });
    expect(await runInit({ preset: 'openclaw', extraNodes: [] } as InitOptions, x)).toBe(0);
    const s = service(path.join(w.cwd, 'clawback.yaml'));
    expect(s.command.slice(0, 3)).toEqual([path.join(w.bin, 'node'), script, 'gateway']);
    expect(s.port).toBe(19998);
    expect(readFileSync(path.join(w.cwd, 'clawback.yaml'), 'utf8')).toContain('v24.21.0, verified at init time');
  });

  it('named profiles: the only one is used when there is no default install; --profile picks one; others are listed', async () => {
    const w = world();
    const stateDir = path.join(w.home, '.openclaw-work');
    mkdirSync(stateDir);
    writeFileSync(path.join(stateDir, 'openclaw.json'), '{ gateway: { mode: "local", port: 19100 } }');
    const x = io(w);
    expect(await runInit(openclaw(), x)).toBe(0);
    const s = service(path.join(w.cwd, 'clawback.yaml'));
    expect(s.name).toBe('openclaw-gateway-work');
    expect(s.configFile!.path).toBe(path.join(stateDir, 'openclaw.json'));
    expect(s.env).toMatchObject({ OPENCLAW_STATE_DIR: stateDir, OPENCLAW_PROFILE: 'work', OPENCLAW_CONFIG_PATH: path.join(stateDir, 'openclaw.json') });
    expect(s.port).toBe(19100);
    expect(x.err.join('')).toMatch(/one named profile: "work"/);

    writeFileSync(path.join(w.home, '.openclaw', 'openclaw.json'), '{ gateway: { mode: "local" } }');
    const y = io(w);
    expect(await runInit(openclaw({ dryRun: true }), y)).toBe(0);
    expect(y.err.join('')).toMatch(/profile\(s\) found: work/);
    expect(await runInit(openclaw({ profile: 'bad name' }), io(w))).toBe(2);
  });

  it('--profile with the default install\'s OPENCLAW_CONFIG_PATH / OPENCLAW_STATE_DIR exported: the profile\'s files, as `openclaw --profile` settles them', async () => {
    const w = world();
    const def = path.join(w.home, '.openclaw');
    writeFileSync(path.join(def, 'openclaw.json'), '{ gateway: { mode: "local", port: 18789 } }');
    const work = path.join(w.home, '.openclaw-work');
    mkdirSync(work);
    writeFileSync(path.join(work, 'openclaw.json'), '{ gateway: { mode: "local", port: 19500 } }');
    // Exported in a shell rc for the default install (measured: openclaw 2026.9.6 `--profile work config file` then
    // prints ~/.openclaw-work/openclaw.json, with either variable set to the default's path).
    for (const env of [{ OPENCLAW_CONFIG_PATH: path.join(def, 'openclaw.json') }, { OPENCLAW_CONFIG_PATH: '~/.openclaw/openclaw.json', OPENCLAW_STATE_DIR: def }]) {
      const x = io(w, env);
      expect(await runInit(openclaw({ profile: 'work', force: true }), x)).toBe(0);
      const s = service(path.join(w.cwd, 'clawback.yaml'));
      expect(s.name).toBe('openclaw-gateway-work');
      expect(s.configFile!.path).toBe(path.join(work, 'openclaw.json'));
      expect(s.env).toMatchObject({ OPENCLAW_CONFIG_PATH: path.join(work, 'openclaw.json'), OPENCLAW_STATE_DIR: work, OPENCLAW_PROFILE: 'work' });
      expect(s.port).toBe(19500);
      expect(s.lockFiles.every((g) => g.startsWith(`${work}/`))).toBe(true);
      expect(x.err.join('')).toMatch(/OPENCLAW_CONFIG_PATH.* in the environment name.* the default install's files, not profile "work"'s: ignored/);
    }
    // A path of the user's own choosing (not the default install's) is kept, as openclaw keeps it.
    const custom = path.join(w.home, 'gw', 'work.json5');
    const y = io(w, { OPENCLAW_CONFIG_PATH: custom });
    expect(await runInit(openclaw({ profile: 'work', force: true }), y)).toBe(0);
    expect(service(path.join(w.cwd, 'clawback.yaml')).configFile!.path).toBe(custom);
    expect(y.err.join('')).not.toMatch(/ignored/);
  });

  it('--mode external writes only what applies: no command, no spawn env or unsetEnv, no log probes; a profile\'s unit', async () => {
    const w = world();
    const stateDir = path.join(w.home, '.openclaw-work');
    mkdirSync(stateDir);
    writeFileSync(path.join(stateDir, 'openclaw.json'), '{ gateway: { mode: "local" } }');
    mkdirSync(path.join(w.home, '.config', 'systemd', 'user'), { recursive: true });
    writeFileSync(path.join(w.home, '.config', 'systemd', 'user', 'openclaw-gateway-work.service'), '[Service]\n');
    const x = io(w);
    expect(await runInit(openclaw({ profile: 'work', mode: 'external' }), x)).toBe(0);
    const text = readFileSync(path.join(w.cwd, 'clawback.yaml'), 'utf8');
    const raw = YAML.parse(text) as { services: Array<Record<string, unknown>> };
    const svc = raw.services[0]!;
    expect(svc.command).toBeUndefined();
    expect(svc.unsetEnv).toBeUndefined();
    expect(svc.env).not.toHaveProperty('OPENCLAW_SUPERVISOR_MODE');
    expect((svc.probes as Array<{ kind: string }>).some((p) => p.kind === 'log')).toBe(false);
    // An exit code is never seen for a process another manager reaps.
    expect(svc.restart).not.toHaveProperty('preventExitCodes');
    expect(text).not.toContain('Exit 78');
    const s = service(path.join(w.cwd, 'clawback.yaml'));
    expect(s.external).toMatchObject({ restartCommand: ['systemctl', '--user', 'restart', 'openclaw-gateway-work.service'] });
  });

  it('--mode external with no OpenClaw service to attach to: exit 2, nothing written (as docs/openclaw.md says)', async () => {
    const w = world('{ gateway: { mode: "local" } }');
    const x = io(w);
    expect(await runInit(openclaw({ mode: 'external' }), x)).toBe(2);
    expect(x.err.join('')).toMatch(/--mode external: no OpenClaw service found/);
    expect(existsSync(path.join(w.cwd, 'clawback.yaml'))).toBe(false);
  });
});
