// `openclaw config validate --json` says valid:true (exit 0) for a config without gateway.mode, but the gateway exits 78
// ("Gateway start blocked") or replaces the file with its older .bak: the doctor names it, and never sets the value itself.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { defaultRules, runDoctor } from '../../src/doctor/run-doctor.js';
import { OPENCLAW_GATEWAY_MODE } from '../../src/doctor/rule-openclaw-gateway-mode.js';
import { makeFixture, type DoctorFixture } from './doctor-fixtures.js';

const NO_MODE = '{\n  // mine\n  gateway: { port: 23417, auth: { mode: "token", token: "tok-abc" } },\n  agents: { defaults: { timeoutSeconds: 300 } },\n}\n';

describe('OpenClaw config without gateway.mode', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await makeFixture();
    fx.configPath = path.join(fx.dir, 'openclaw.json');
    // A validator that passes it, as the real one does.
    fx.withService({
      command: [process.execPath, 'gateway.mjs', 'gateway', 'run', '--bind', 'loopback'],
      openclaw: { cli: [process.execPath, 'openclaw.mjs'] },
      configFile: { path: fx.configPath, format: 'json5', backupGlobs: [], validateCommand: [process.execPath, '-e', 'process.exit(0)'] },
    });
  });
  afterEach(() => fx.cleanup());
  const rules = () => defaultRules().filter((r) => r.id === OPENCLAW_GATEWAY_MODE || r.id === 'config-restore');

  it('names the missing key, what the gateway will do, and the value the copy seen healthy had; the file is left as it is', async () => {
    await fx.snapshots.save(Buffer.from('{ gateway: { mode: "local", port: 23417, auth: { mode: "token", token: "tok-abc" } } }'), { sourcePath: fx.configPath, reason: 'test', kind: 'last-known-good', mode: 0o600 });
    await fs.writeFile(fx.configPath, NO_MODE, { mode: 0o600 });
    const report = await runDoctor(fx.ctx(), { fix: true, rules: rules() });
    const f = report.findings.find((x) => x.rule === OPENCLAW_GATEWAY_MODE);
    expect(f, JSON.stringify(report.findings)).toBeDefined();
    expect(f!.fixable).toBe(false);
    expect(f!.evidence).toContain(`${fx.configPath} has no gateway.mode`);
    expect(f!.evidence).toContain('refuses to start on it (exit 78');
    expect(f!.evidence).toContain('the copy seen healthy had gateway.mode "local"');
    expect(f!.fix).toContain('openclaw config set gateway.mode local');
    expect(report.exitCode).not.toBe(0);
    expect(await fs.readFile(fx.configPath, 'utf8')).toBe(NO_MODE);
  });

  it('says the gateway will replace the file with .bak when .bak has a mode; nothing when the mode is there or --allow-unconfigured', async () => {
    await fs.writeFile(fx.configPath, NO_MODE, { mode: 0o600 });
    await fs.writeFile(`${fx.configPath}.bak`, '{ gateway: { mode: "local", port: 1111 } }', { mode: 0o600 });
    const report = await runDoctor(fx.ctx(), { fix: false, rules: rules() });
    const f = report.findings.find((x) => x.rule === OPENCLAW_GATEWAY_MODE)!;
    expect(f.evidence).toContain(`replaces the whole file with ${fx.configPath}.bak`);
    expect(f.evidence).toContain('no copy seen healthy has one');

    await fs.writeFile(fx.configPath, NO_MODE.replace('gateway: {', 'gateway: { mode: "local",'));
    expect((await runDoctor(fx.ctx(), { fix: false, rules: rules() })).findings).toEqual([]);

    await fs.writeFile(fx.configPath, NO_MODE);
    fx.withService({ command: [process.execPath, 'gateway.mjs', 'gateway', 'run', '--allow-unconfigured'] });
    expect((await runDoctor(fx.ctx(), { fix: false, rules: rules() })).findings).toEqual([]);
  });
});
