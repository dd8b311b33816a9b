// The doctor fixture of the preset's protected-settings tests: openclaw.json (JSON5) checked by a validator that reads
// it as the gateway does and names no path when gateway.mode is missing, so the doctor restores the whole file from
// the copy seen healthy, carrying over the protected values of the broken one.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import JSON5 from 'json5';
import { runDoctor, type DoctorReport } from '../../src/doctor/run-doctor.js';
import { configRestoreRule } from '../../src/doctor/rule-config-restore.js';
import { OPENCLAW_PROTECTED_SETTINGS } from '../../src/presets/openclaw.js';
import { makeFixture, type DoctorFixture } from '../doctor/doctor-fixtures.js';

/** Node source of the validator: exits 1 without naming a path when gateway.mode is missing. */
export const OPENCLAW_MODE_VALIDATOR = `import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
const JSON5 = createRequire(${JSON.stringify(path.resolve('package.json'))})('json5');
const cfg = JSON5.parse(readFileSync(process.argv[2], 'utf8'));
if (cfg.gateway && !('mode' in cfg.gateway)) { process.stderr.write('a required setting is missing\\n'); process.exit(1); }
`;

/** A fixture whose service's config is <dir>/openclaw.json, checked by the validator (plus `moreChecks`), under `protect`. */
export async function openclawRestoreFixture(protect: readonly string[] = OPENCLAW_PROTECTED_SETTINGS, moreChecks = ''): Promise<DoctorFixture> {
  const fx = await makeFixture();
  const validator = await fx.script('validate.mjs', `${OPENCLAW_MODE_VALIDATOR}${moreChecks}`);
  const configPath = path.join(fx.dir, 'openclaw.json');
  fx.withService({ configFile: { path: configPath, format: 'json5', backupGlobs: [], validateCommand: [process.execPath, validator, '{file}'], protect: [...protect] } });
  fx.configPath = configPath;
  return fx;
}

/**
 * `healthy` saved as the copy seen healthy, `current` written without gateway.mode (nothing to put back on its own:
 * the whole file is restored), then `doctor --fix` with the restore rule: its report and the file it left.
 */
export async function restoreWholeFile(fx: DoctorFixture, healthy: unknown, current: { gateway: Record<string, unknown> }): Promise<{ report: DoctorReport; restored: Record<string, unknown> }> {
  await fx.snapshots.save(Buffer.from(JSON.stringify(healthy, null, 2)), { sourcePath: fx.configPath, reason: 'test', kind: 'last-known-good', mode: 0o600 });
  const broken = { ...current, gateway: { ...current.gateway } };
  delete broken.gateway.mode;
  await fs.writeFile(fx.configPath, JSON.stringify(broken, null, 2), { mode: 0o600 });
  const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
  return { report, restored: JSON5.parse(await fs.readFile(fx.configPath, 'utf8')) as Record<string, unknown> };
}
