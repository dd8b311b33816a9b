// OPENCLAW_HOME moves every OpenClaw path (state dir, config, profiles) away from HOME: init must follow it, or the
// service it writes points the gateway at a config that does not exist (exit 78) and repairs the wrong files.
import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runInit, type InitIo, type InitOptions } from '../../src/cli/cmd-init.js';
import { loadConfig } from '../../src/config/load.js';
import { realCommandRunner } from '../../src/platform/command-runner.js';

function world(): { home: string; ocHome: string; cwd: string } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'clawback-ochome-'));
  const home = path.join(root, 'home');
  const ocHome = path.join(root, 'srv');
  const cwd = path.join(root, 'work');
  for (const d of [home, cwd, path.join(ocHome, '.openclaw'), path.join(ocHome, '.openclaw-work')]) mkdirSync(d, { recursive: true });
  writeFileSync(path.join(ocHome, '.openclaw', 'openclaw.json'), '{ gateway: { mode: "local", port: 19777 } }');
  writeFileSync(path.join(ocHome, '.openclaw-work', 'openclaw.json'), '{ gateway: { mode: "local", port: 19888 } }');
  return { home, ocHome, cwd };
}

function io(home: string, cwd: string, env: NodeJS.ProcessEnv): InitIo {
  return {
    // No openclaw on PATH: detection settles the paths itself, as OpenClaw does.
    env: { PATH: '/usr/bin:/bin', HOME: home, ...env },
    home,
    platform: 'linux',
    cwd,
    runner: realCommandRunner(),
    now: new Date('2026-05-01T12:00:00Z'),
    stdout: () => {},
    stderr: () => {},
  };
}

async function initService(w: ReturnType<typeof world>, env: NodeJS.ProcessEnv, o: Partial<InitOptions> = {}) {
  const out = path.join(w.cwd, `${Object.keys(env).join('-') || 'plain'}-${o.profile ?? 'default'}.yaml`);
  expect(await runInit({ preset: 'openclaw', out, ...o }, io(w.home, w.cwd, env))).toBe(0);
  return loadConfig({ file: out, stateDir: path.join(w.cwd, 'state') }).config.services[0]!;
}

describe('openclaw init under OPENCLAW_HOME', () => {
  it('reads and pins $OPENCLAW_HOME/.openclaw (config, port, state dir), not $HOME/.openclaw', async () => {
    const w = world();
    const s = await initService(w, { OPENCLAW_HOME: w.ocHome });
    const dir = path.join(w.ocHome, '.openclaw');
    expect(s.configFile!.path).toBe(path.join(dir, 'openclaw.json'));
    expect(s.env.OPENCLAW_CONFIG_PATH).toBe(path.join(dir, 'openclaw.json'));
    // Written out: the daemon (under systemd) may not have OPENCLAW_HOME, the gateway must still find its state.
    expect(s.env.OPENCLAW_STATE_DIR).toBe(dir);
    expect(s.port).toBe(19777);
    expect(s.lockFiles[0]).toContain(dir);
  }, 20_000);

  it('a profile and a "~" in OPENCLAW_STATE_DIR resolve against OPENCLAW_HOME too', async () => {
    const w = world();
    const p = await initService(w, { OPENCLAW_HOME: w.ocHome }, { profile: 'work' });
    expect(p.configFile!.path).toBe(path.join(w.ocHome, '.openclaw-work', 'openclaw.json'));
    expect(p.port).toBe(19888);
    const t = await initService(w, { OPENCLAW_HOME: w.ocHome, OPENCLAW_STATE_DIR: '~/.openclaw-work' });
    expect(t.configFile!.path).toBe(path.join(w.ocHome, '.openclaw-work', 'openclaw.json'));
    expect(t.port).toBe(19888);
  }, 20_000);

  it('without OPENCLAW_HOME nothing changes: HOME, and no state dir written', async () => {
    const w = world();
    mkdirSync(path.join(w.home, '.openclaw'));
    writeFileSync(path.join(w.home, '.openclaw', 'openclaw.json'), '{ gateway: { mode: "local", port: 19555 } }');
    const s = await initService(w, {});
    expect(s.configFile!.path).toBe(path.join(w.home, '.openclaw', 'openclaw.json'));
    expect(s.env.OPENCLAW_STATE_DIR).toBeUndefined();
    expect(s.port).toBe(19555);
  }, 20_000);
});
