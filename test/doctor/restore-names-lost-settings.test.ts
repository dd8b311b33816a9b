// A whole-file restore replaces every edit made since the copy: the message (journaled, alerted) names the settings that
// went back and the ones that were lost, bounded (first paths and a count), with where the user's file is kept.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { configRestoreRule } from '../../src/doctor/rule-config-restore.js';
import { OPENCLAW_PROTECTED_SETTINGS } from '../../src/presets/openclaw.js';
import { makeFixture, type DoctorFixture } from './doctor-fixtures.js';

/** Names no path (like a cross-field rule): neither key removal nor a named-values revert can apply. */
const VALIDATOR = `import { readFileSync } from 'node:fs';
const cfg = JSON.parse(readFileSync(process.argv[2], 'utf8'));
if (cfg.gateway?.mode !== 'local' || cfg.gateway?.port === 0) { process.stderr.write('the config does not hold together\\n'); process.exit(1); }
`;

describe('whole-file restore says what it dropped', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await makeFixture();
    const validator = await fx.script('validate.mjs', VALIDATOR);
    fx.configPath = path.join(fx.dir, 'openclaw.json');
    fx.withService({ configFile: { path: fx.configPath, format: 'json', backupGlobs: [], validateCommand: [process.execPath, validator, '{file}'], protect: [...OPENCLAW_PROTECTED_SETTINGS] } });
  });
  afterEach(() => fx.cleanup());

  it('lists the lost and changed paths (the first few and a count) and the kept copy in the message', async () => {
    const good = { gateway: { mode: 'local', port: 18789, auth: { token: 'tok-1' } }, agents: { defaults: { model: 'old-model' } } };
    await fx.snapshots.save(Buffer.from(JSON.stringify(good)), { sourcePath: fx.configPath, reason: 'test', kind: 'last-known-good', mode: 0o600 });
    const extra: Record<string, number> = {};
    for (let i = 0; i < 14; i++) extra[`k${String(i).padStart(2, '0')}`] = i;
    const broken = { gateway: { mode: 'remote', port: 18789, auth: { token: 'tok-1' } }, agents: { defaults: { model: 'new-model' } }, tools: extra };
    await fs.writeFile(fx.configPath, JSON.stringify(broken, null, 2), { mode: 0o600 });
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    const out = report.outcomes[0]!;
    expect(out.details).toMatchObject({ method: 'restore' });
    const evidence = out.details!.evidence as string;
    expect(evidence).toBeTruthy();
    const msg = out.message;
    // The 14 tools.* settings are gone: the first ones by name, the rest by count.
    expect(msg).toContain('14 setting(s) not in the restored copy were dropped: tools.k00, tools.k01');
    expect(msg).toMatch(/tools\.k07 and 6 more/);
    expect(msg).not.toContain('tools.k13');
    // Values the user had changed went back to the copy's.
    expect(msg).toMatch(/2 setting\(s\) set back to the copy's values: agents\.defaults\.model, gateway\.mode/);
    expect(msg).toContain(`take them from ${evidence}`);
    // Never values.
    expect(msg).not.toContain('new-model');
    expect(msg).not.toContain('old-model');
  });
});
