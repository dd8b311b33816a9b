// A config truncated mid-file (unparseable) is restored from the last-known-good copy: a token set since that copy cannot
// be carried over. The repair used to say nothing of it; it now names the path (never the value) and the kept file.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { configRestoreRule } from '../../src/doctor/rule-config-restore.js';
import { makeFixture, type DoctorFixture } from './doctor-fixtures.js';

const VALIDATOR = `import { readFileSync } from 'node:fs';
const cfg = JSON.parse(readFileSync(process.argv[2], 'utf8'));
if (!Number.isInteger(cfg.gateway?.port)) { process.stderr.write('gateway.port: Expected number\\n'); process.exit(1); }
`;

const config = (token: string): string => `${JSON.stringify({ gateway: { port: 18789, auth: { mode: 'token', token } }, channels: { telegram: { enabled: true, note: 'x'.repeat(200) } } }, null, 2)}\n`;

describe('restore over a config that does not parse', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await makeFixture();
    const validator = await fx.script('validate.mjs', VALIDATOR);
    const configPath = path.join(fx.dir, 'openclaw.json');
    fx.withService({ configFile: { path: configPath, format: 'json', backupGlobs: [], validateCommand: [process.execPath, validator, '{file}'], protect: ['gateway.auth.token', 'gateway.port'] } });
    fx.configPath = configPath;
  });
  afterEach(() => fx.cleanup());

  it('names the protected setting set since the copy and the kept broken file, never the value', async () => {
    await fx.snapshots.save(Buffer.from(config('tok-old-1111')), { sourcePath: fx.configPath, reason: 'test', kind: 'last-known-good', mode: 0o600 });
    // Since then the token was rotated; then the file was cut mid-way (a power cut while saving).
    const now = config('tok-new-2222');
    await fs.writeFile(fx.configPath, now.slice(0, Math.floor(now.length * 0.6)), { mode: 0o600 });
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    const out = report.outcomes[0]!;
    expect(out.applied).toBe(true);
    expect(out.details).toMatchObject({ method: 'restore', source: 'snapshot' });
    const evidence = out.details!.evidence as string;
    expect(evidence).toMatch(/openclaw\.json\.corrupt-/);
    expect(out.message).toContain('gateway.auth.token');
    expect(out.message).toContain(`take it from ${evidence}`);
    expect(out.message).not.toContain('tok-new-2222');
    expect(out.message).not.toContain('tok-old-1111');
    expect(out.details!.protectedNotCarried).toEqual(['gateway.auth.token']);
    // Verified or not, a repair that may have lost a rotated token is no green "resolved" alert.
    const repair = fx.events.find((e) => e.type === 'doctor.repair');
    expect(repair?.severity).toBe('warning');
  });

  it('says the protected settings could not be carried when the cut removed their lines', async () => {
    await fx.snapshots.save(Buffer.from(config('tok-old-1111')), { sourcePath: fx.configPath, reason: 'test', kind: 'last-known-good', mode: 0o600 });
    await fs.writeFile(fx.configPath, '{\n  "gateway": {\n', { mode: 0o600 });
    const out = (await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] })).outcomes[0]!;
    expect(out.applied).toBe(true);
    expect(out.message).toContain('the broken file did not parse, so its protected settings could not be carried over');
    expect(out.details!.protectedNotCarried).toEqual([]);
  });
});
