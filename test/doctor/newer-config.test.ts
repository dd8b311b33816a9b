// A config written by a newer OpenClaw (after a rollback): its settings are not removed as "unknown" keys, by the service's
// doctor, the key removal or a restore; the person is told which keys, which versions, and where the file is snapshotted.
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
for (const k of Object.keys(cfg.auth ?? {})) if (!['mode','token'].includes(k)) issues.push({ path: 'auth', message: 'Unrecognized key: "' + k + '"' });
if (issues.length) { process.stdout.write(JSON.stringify({ valid: false, issues }, null, 2)); process.exit(1); }
`;

/** The installed CLI: \`--version\` as the real one prints it. */
const cli = (version: string): string => `if (process.argv[2] === '--version') { console.log('OpenClaw ${version} (eb377ac)'); process.exit(0); } process.exit(2);`;

/** Like the real \`openclaw doctor --fix\`: drops every key its version does not know and stamps its own version. */
const DOCTOR = `import { readFileSync, writeFileSync } from 'node:fs';
const f = process.argv[2]; const cfg = JSON.parse(readFileSync(f, 'utf8'));
for (const k of Object.keys(cfg)) if (!['name','host','port','auth','meta'].includes(k)) delete cfg[k];
for (const k of Object.keys(cfg.auth ?? {})) if (!['mode','token'].includes(k)) delete cfg.auth[k];
cfg.meta = { lastTouchedVersion: '2026.9.6' };
writeFileSync(f, JSON.stringify(cfg, null, 2));
`;

const NEWER = `${JSON.stringify(
  { name: 'demo-gateway', host: '127.0.0.1', port: 18789, auth: { mode: 'token', token: 'tok-9', allowedOrigins: ['https://me.example'] }, meta: { lastTouchedVersion: '2027.1.5' }, futureSection: { on: true } },
  null,
  2,
)}\n`;

describe('a config written by a newer version', () => {
  let fx: DoctorFixture;
  const useCli = async (version: string): Promise<void> => {
    const oc = await fx.script(`oc-${version}.mjs`, cli(version));
    fx.withService({ openclaw: { cli: [process.execPath, oc] } });
  };
  beforeEach(async () => {
    fx = await makeFixture({}, { backupGlobs: ['gateway.json.bak'] });
    const validator = await fx.script('strict.mjs', VALIDATOR);
    const doctor = await fx.script('doctor.mjs', DOCTOR);
    fx.withService({ configFile: { ...fx.service.configFile, validateCommand: [process.execPath, validator, '{file}'], protect: ['auth.token', 'port'] }, doctor: { command: [process.execPath, doctor, fx.configPath] } });
    // An older copy the restore could fall back to: valid for the installed version, without the newer settings.
    await fx.snapshots.save(Buffer.from(JSON.stringify({ name: 'demo-gateway', host: '127.0.0.1', port: 18789, auth: { mode: 'token', token: 'tok-9' } })), { sourcePath: fx.configPath, reason: 'test', kind: 'last-known-good', mode: 0o600 });
    await fs.writeFile(fx.configPath, NEWER);
  });
  afterEach(() => fx.cleanup());

  it('versions compare by their numbers', () => {
    expect(isNewerVersion('2027.1.5', '2026.9.6')).toBe(true);
    expect(isNewerVersion('2026.10.1', '2026.9.6')).toBe(true);
    expect(isNewerVersion('2026.9.6', '2026.9.6')).toBe(false);
    expect(isNewerVersion('2026.9.6-beta.1', '2026.9.6')).toBe(false);
    expect(isNewerVersion('2026.9.5', '2026.9.6')).toBe(false);
    expect(isNewerVersion('garbage', '2026.9.6')).toBe(false);
  });

  it('is not rewritten: neither the service doctor, nor the key removal, nor a restore runs; the finding names keys and versions', async () => {
    await useCli('2026.9.6');
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    expect(await fs.readFile(fx.configPath, 'utf8')).toBe(NEWER);
    const f = report.findings[0]!;
    expect(f.fixable).toBe(false);
    expect(f.fix).toMatch(/last written by version 2027\.1\.5, but 2026\.9\.6 is installed/);
    expect(f.fix).toContain('(futureSection, auth.allowedOrigins)');
    expect(report.outcomes).toEqual([]);

    // The fix itself (a finding from an earlier detect) refuses too, and keeps a snapshot of the file.
    const rule = configRestoreRule();
    const out = await rule.fix(fx.ctx(), { ...f, fixable: true });
    expect(out.applied).toBe(false);
    expect(out.message).toMatch(/^not repaired: .*2027\.1\.5.*nothing written, the file is snapshotted as /);
    expect(out.details).toMatchObject({ method: 'none', newerConfig: { written: '2027.1.5', installed: '2026.9.6' }, unknownKeys: ['futureSection', 'auth.allowedOrigins'] });
    expect(await fs.readFile(fx.configPath, 'utf8')).toBe(NEWER);
    const snaps = await fx.snapshots.list();
    expect(snaps.some((s) => s.reason === 'before config repair')).toBe(true);
  });

  it('written by the installed version itself: the repair goes on as before (the service doctor fixes it)', async () => {
    await useCli('2027.1.5');
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    expect(report.outcomes[0]!.details!.method).toBe('service-doctor');
    expect(JSON.parse(await fs.readFile(fx.configPath, 'utf8')).futureSection).toBeUndefined();
  });
});
