// OpenClaw ships correction releases (2026.7.1-2 after 2026.7.1, npm and GitHub) besides betas (2026.5.10-beta.2 before
// 2026.5.10). A config last written by 2026.9.6-2, with 2026.9.6 installed again (a rollback), was taken as "not newer":
// the service doctor and the key removal ran and dropped the settings the correction release had written.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { configRestoreRule } from '../../src/doctor/rule-config-restore.js';
import { isNewerVersion } from '../../src/doctor/newer-config.js';
import { makeFixture, type DoctorFixture } from './doctor-fixtures.js';

/** Like `openclaw config validate --json` of the installed (older) version: zod's "Unrecognized key" issues. */
const VALIDATOR = `import { readFileSync } from 'node:fs';
const cfg = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const issues = [];
for (const k of Object.keys(cfg)) if (!['name','host','port','auth','meta'].includes(k)) issues.push({ path: '<root>', message: 'Unrecognized key: "' + k + '"' });
if (issues.length) { process.stdout.write(JSON.stringify({ valid: false, issues }, null, 2)); process.exit(1); }
`;

/** Like the real `openclaw doctor --fix`: drops every key its version does not know and stamps its own version. */
const DOCTOR = `import { readFileSync, writeFileSync } from 'node:fs';
const f = process.argv[2]; const cfg = JSON.parse(readFileSync(f, 'utf8'));
for (const k of Object.keys(cfg)) if (!['name','host','port','auth','meta'].includes(k)) delete cfg[k];
cfg.meta = { lastTouchedVersion: '2026.9.6' };
writeFileSync(f, JSON.stringify(cfg, null, 2));
`;

const written = (v: string): string =>
  `${JSON.stringify({ name: 'demo-gateway', host: '127.0.0.1', port: 18789, auth: { mode: 'token', token: 'tok-9' }, meta: { lastTouchedVersion: v }, correctionSection: { on: true } }, null, 2)}\n`;

describe('a config written by a correction release of the installed version', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await makeFixture({}, { backupGlobs: [] });
    const validator = await fx.script('strict.mjs', VALIDATOR);
    const doctor = await fx.script('doctor.mjs', DOCTOR);
    const oc = await fx.script('oc.mjs', `if (process.argv[2] === '--version') { console.log('OpenClaw 2026.9.6 (eb377ac)'); process.exit(0); } process.exit(2);`);
    fx.withService({
      openclaw: { cli: [process.execPath, oc] },
      configFile: { ...fx.service.configFile, validateCommand: [process.execPath, validator, '{file}'], protect: ['auth.token', 'port'] },
      doctor: { command: [process.execPath, doctor, fx.configPath] },
    });
  });
  afterEach(() => fx.cleanup());

  it('correction releases are newer than their base, pre-releases older', () => {
    expect(isNewerVersion('2026.9.6-2', '2026.9.6')).toBe(true);
    expect(isNewerVersion('2026.9.6-3', '2026.9.6-2')).toBe(true);
    expect(isNewerVersion('2026.9.6', '2026.9.6-beta.2')).toBe(true);
    expect(isNewerVersion('2026.9.6-beta.2', '2026.9.6-beta.1')).toBe(true);
    expect(isNewerVersion('2026.9.6-beta.1', '2026.9.6')).toBe(false);
    expect(isNewerVersion('2026.9.6', '2026.9.6-2')).toBe(false);
    expect(isNewerVersion('2026.9.6-2', '2026.9.6-2')).toBe(false);
    expect(isNewerVersion('2026.9.6-beta.2', '2026.9.5-3')).toBe(true);
  });

  it('rolled back from 2026.9.6-2 to 2026.9.6: its settings are kept, not repaired away', async () => {
    await fs.writeFile(fx.configPath, written('2026.9.6-2'));
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    expect(await fs.readFile(fx.configPath, 'utf8')).toBe(written('2026.9.6-2'));
    expect(report.findings[0]!.fix).toMatch(/last written by version 2026\.9\.6-2, but 2026\.9\.6 is installed/);
  });
});
