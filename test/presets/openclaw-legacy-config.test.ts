// An install from the Clawdbot days keeps ~/.clawdbot/clawdbot.json, which openclaw 2026.9.6 still reads. When
// `openclaw config file` cannot answer, init must find that file as the gateway does, not write ~/.openclaw/openclaw.json
// (a file that does not exist: the gateway would exit 78 on every start, on the default port instead of the user's).
import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runInit, type InitIo } from '../../src/cli/cmd-init.js';
import { loadConfig } from '../../src/config/load.js';
import { realCommandRunner } from '../../src/platform/command-runner.js';
import { openclawConfigCandidates } from '../../src/presets/openclaw-config-candidates.js';

function io(home: string, cwd: string, env: NodeJS.ProcessEnv = {}): InitIo {
  return {
    // No openclaw on PATH: `openclaw config file` cannot answer.
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

function world(files: Record<string, string>): { home: string; cwd: string } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'clawback-legacy-'));
  const home = path.join(root, 'home');
  const cwd = path.join(root, 'work');
  mkdirSync(cwd, { recursive: true });
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(home, rel)), { recursive: true });
    writeFileSync(path.join(home, rel), text);
  }
  return { home, cwd };
}

async function initService(w: { home: string; cwd: string }, env: NodeJS.ProcessEnv = {}) {
  const out = path.join(w.cwd, 'clawback.yaml');
  expect(await runInit({ preset: 'openclaw', out, force: true }, io(w.home, w.cwd, env))).toBe(0);
  return loadConfig({ file: out, stateDir: path.join(w.cwd, 'state') }).config.services[0]!;
}

describe('openclaw init finds a legacy config the gateway still reads', () => {
  it('~/.clawdbot/clawdbot.json: its path and port, not a missing ~/.openclaw/openclaw.json on 18789', async () => {
    const w = world({ '.clawdbot/clawdbot.json': '{ gateway: { mode: "local", port: 24123 } }' });
    const s = await initService(w);
    const file = path.join(w.home, '.clawdbot', 'clawdbot.json');
    expect(s.configFile!.path).toBe(file);
    expect(s.env.OPENCLAW_CONFIG_PATH).toBe(file);
    expect(s.port).toBe(24123);
    // Resolved beside the config file, as every path field of a loaded config is.
    expect(s.configFile!.backupGlobs).toContain(path.join(path.dirname(file), 'clawdbot.json.bak'));
    // The gateway moves ~/.clawdbot to ~/.openclaw itself on start (unless OPENCLAW_STATE_DIR pins it): not pinned here.
    expect(s.env.OPENCLAW_STATE_DIR).toBeUndefined();
  }, 20_000);

  it('~/.openclaw/clawdbot.json and OPENCLAW_STATE_DIR/clawdbot.json are found, in the gateway\'s order', async () => {
    const a = world({ '.openclaw/clawdbot.json': '{ gateway: { port: 24124 } }', '.clawdbot/clawdbot.json': '{ gateway: { port: 24125 } }' });
    const s = await initService(a);
    expect(s.configFile!.path).toBe(path.join(a.home, '.openclaw', 'clawdbot.json'));
    expect(s.port).toBe(24124);
    const b = world({ 'srv/clawdbot.json': '{ gateway: { port: 24126 } }', '.openclaw/openclaw.json': '{ gateway: { port: 24127 } }' });
    const t = await initService(b, { OPENCLAW_STATE_DIR: path.join(b.home, 'srv') });
    expect(t.configFile!.path).toBe(path.join(b.home, 'srv', 'clawdbot.json'));
    expect(t.port).toBe(24126);
  }, 20_000);

  it('nothing at all: still the canonical ~/.openclaw/openclaw.json', async () => {
    const w = world({});
    const s = await initService(w);
    expect(s.configFile!.path).toBe(path.join(w.home, '.openclaw', 'openclaw.json'));
    expect(existsSync(s.configFile!.path)).toBe(false);
  }, 20_000);

  it('the candidate list is the real package\'s (openclaw 2026.9.6 resolveDefaultConfigCandidates)', () => {
    expect(openclawConfigCandidates('/h', '/s')).toEqual([
      '/s/openclaw.json',
      '/s/clawdbot.json',
      '/h/.openclaw/openclaw.json',
      '/h/.openclaw/clawdbot.json',
      '/h/.clawdbot/openclaw.json',
      '/h/.clawdbot/clawdbot.json',
    ]);
  });
});
