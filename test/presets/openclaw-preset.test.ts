// The OpenClaw preset: valid for clawback's schema, grounded defaults, and a validator that really receives the candidate file.
import { describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { validateConfig } from '../../src/config/load.js';
import { openclawPresetConfig, openclawService, OPENCLAW_SUPERVISOR_MARKERS } from '../../src/presets/openclaw.js';
import { openclawLayout } from '../../src/presets/openclaw-layout.js';
import { findBackupCandidates } from '../../src/doctor/backup-candidates.js';
import { realCommandRunner } from '../../src/platform/command-runner.js';

const tmp = (): string => mkdtempSync(path.join(os.tmpdir(), 'clawback-preset-'));

describe('openclaw preset', () => {
  it('passes clawback\'s schema with the grounded defaults', () => {
    const cfg = validateConfig(openclawPresetConfig({ home: '/home/u', port: 18789 }), 'preset');
    const s = cfg.services[0]!;
    expect(s.name).toBe('openclaw-gateway');
    expect(s.command).toEqual(['openclaw', 'gateway', 'run', '--bind', 'loopback', '--port', '18789']);
    expect(s.port).toBe(18789);
    expect(s.restart.preventExitCodes).toContain(78);
    expect(s.configFile).toMatchObject({ path: '/home/u/.openclaw/openclaw.json', format: 'json5' });
    expect(s.doctor.command).toEqual(['openclaw', 'doctor', '--fix', '--non-interactive']);
    expect(s.doctor.timeout).toBeGreaterThanOrEqual(60_000);
    expect(s.stop.grace).toBeGreaterThanOrEqual(5_000);
    const byName = new Map(s.probes.map((p) => [p.name, p]));
    expect(byName.get('liveness')).toMatchObject({ kind: 'http', url: 'http://127.0.0.1:18789/healthz', action: 'restart' });
    expect(byName.get('liveness')!.startupGrace).toBeGreaterThanOrEqual(90_000);
    // Deep readiness is a real signal now: a verdict per failing part, the gateway's own recovery first (10 min for a channel).
    expect(byName.get('readiness')).toMatchObject({ kind: 'openclaw-readiness', url: 'http://127.0.0.1:18789/readyz', action: 'restart', channelBound: 600_000 });
    // Planned restarts drain within the gateway's own stop budget (drain 315 s + close 10 s + margin 5 s); a hang keeps 1 s.
    expect(s.stop.drainGrace).toBe(330_000);
    expect(s.stop.hangGrace).toBeLessThanOrEqual(1_000);
    expect(s.openclaw).toMatchObject({ cli: ['openclaw'], channelRestart: true, evidence: true, otherSupervisorCheck: true });
    const mem = byName.get('memory') as { warn: number; limit: number };
    expect(mem.warn).toBeGreaterThan(1e9);
    expect(mem.limit).toBeGreaterThan(mem.warn);
    expect(byName.get('config')).toMatchObject({ kind: 'config', format: 'json5', action: 'notify' });
    expect(byName.get('port-in-use')).toMatchObject({ kind: 'log', finding: 'port-in-use' });
    expect(new RegExp((byName.get('port-in-use') as { pattern: string }).pattern).test('listen EADDRINUSE: address already in use 127.0.0.1:18789')).toBe(true);
    const cfgLog = byName.get('config-invalid') as { pattern: string; flags: string };
    expect(new RegExp(cfgLog.pattern, cfgLog.flags).test('Gateway start blocked: existing config is missing gateway.mode.')).toBe(true);
    // A live edit it refused (gateway.auth.token deleted): it runs on with the old config, so the edit is not last-known-good.
    expect(new RegExp(cfgLog.pattern, cfgLog.flags).test('[reload] config reload failed: Error: gateway auth mode is token, but no token was configured')).toBe(true);
  });

  it('hides the native supervisor markers and tells the gateway it is externally supervised (default)', () => {
    const s = validateConfig(openclawPresetConfig({ home: '/h' }), 'preset').services[0]!;
    for (const m of ['INVOCATION_ID', 'JOURNAL_STREAM', 'SYSTEMD_EXEC_PID', 'OPENCLAW_SYSTEMD_UNIT']) expect(s.unsetEnv).toContain(m);
    expect(s.env.OPENCLAW_SUPERVISOR_MODE).toBe('external');
    expect(s.env.OPENCLAW_CONFIG_PATH).toBe('/h/.openclaw/openclaw.json');
    const u = validateConfig(openclawPresetConfig({ home: '/h', supervisorMode: 'unmanaged' }), 'preset').services[0]!;
    expect(u.env.OPENCLAW_SUPERVISOR_MODE).toBeUndefined();
    expect(u.unsetEnv).toEqual([...OPENCLAW_SUPERVISOR_MARKERS, 'OPENCLAW_SUPERVISOR_MODE']);
  });

  it('runs openclaw through a given Node and honours a custom config path and state dir', () => {
    const s = validateConfig(
      openclawPresetConfig({ openclaw: ['/n/node', '/o/openclaw.mjs'], configPath: '/c/my.json', stateDir: '/s', port: 20000, allowUnconfigured: true }),
      'preset',
    ).services[0]!;
    expect(s.command.slice(0, 4)).toEqual(['/n/node', '/o/openclaw.mjs', 'gateway', 'run']);
    expect(s.command).toContain('--allow-unconfigured');
    expect(s.env).toMatchObject({ OPENCLAW_CONFIG_PATH: '/c/my.json', OPENCLAW_STATE_DIR: '/s' });
    expect(s.configFile!.backupGlobs).toEqual(['my.json.last-good', 'my.json.bak', 'my.json.bak.*']);
    expect(s.doctor.command!.slice(0, 2)).toEqual(['/n/node', '/o/openclaw.mjs']);
  });

  it('the validateCommand hands the checked file to openclaw through OPENCLAW_CONFIG_PATH', async () => {
    const dir = tmp();
    const fake = path.join(dir, 'openclaw');
    // A stand-in CLI: accepts the file only if OPENCLAW_CONFIG_PATH names it and it contains "good".
    writeFileSync(fake, '#!/bin/sh\n[ "$1 $2" = "config validate" ] || exit 9\ngrep -q good "$OPENCLAW_CONFIG_PATH"\n');
    chmodSync(fake, 0o755);
    const s = validateConfig(openclawPresetConfig({ openclaw: [fake], home: dir }), 'preset').services[0]!;
    const run = async (file: string): Promise<number | null> => {
      const argv = s.configFile!.validateCommand!.map((a) => a.split('{file}').join(file));
      return (await realCommandRunner().run(argv, { timeoutMs: 10_000, env: { CLAWBACK_TEST_CHILD: '1' } })).code;
    };
    writeFileSync(path.join(dir, 'a.json'), '{ good: 1 }');
    writeFileSync(path.join(dir, 'b.json'), '{ bad: 1 }');
    expect(await run(path.join(dir, 'a.json'))).toBe(0);
    expect(await run(path.join(dir, 'b.json'))).toBe(1);
  });

  it('the backup globs find OpenClaw\'s rotations and never a clobbered file', async () => {
    const dir = tmp();
    const cfg = path.join(dir, 'openclaw.json');
    for (const f of ['openclaw.json', 'openclaw.json.bak', 'openclaw.json.bak.1', 'openclaw.json.bak.4', 'openclaw.json.last-good', 'openclaw.json.clobbered.2026-01-01T00-00-00']) {
      writeFileSync(path.join(dir, f), '{}');
    }
    const s = openclawService({ configPath: cfg }) as { configFile: { backupGlobs: string[] } };
    const found = (await findBackupCandidates(cfg, s.configFile.backupGlobs)).map((b) => path.basename(b.path)).sort();
    expect(found).toEqual(['openclaw.json.bak', 'openclaw.json.bak.1', 'openclaw.json.bak.4', 'openclaw.json.last-good']);
  });
});

describe('openclawLayout', () => {
  it('gives the emergency prompt the paths, the doctor and the pitfalls', () => {
    const l = openclawLayout({ home: '/home/u', port: 18789, now: new Date('2026-03-04T10:00:00Z') });
    expect(l.configPath).toBe('/home/u/.openclaw/openclaw.json');
    expect(l.stateDir).toBe('/home/u/.openclaw');
    expect(l.logFile).toBe('/tmp/openclaw/openclaw-2026-03-04.log');
    expect(l.doctorCommand).toEqual(['openclaw', 'doctor', '--fix', '--non-interactive']);
    expect(l.notes.join('\n')).toMatch(/exit code 78/i);
    expect(l.notes.join('\n')).toMatch(/\.bak/);
    const ext = openclawLayout({ home: '/home/u', serviceManager: 'systemd' });
    expect(ext.notes.join('\n')).toContain('systemctl --user restart openclaw-gateway.service');
  });
});
