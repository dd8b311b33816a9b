// A copy invalid with the user's protected settings carried in was refused as "valid only with the copy's own
// gateway.auth.token" though the copy was never validated on its own: with a $include it names that is missing, the
// copy is just as invalid with its own token. The refusal says only what was checked.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { configRestoreRule } from '../../src/doctor/rule-config-restore.js';
import type { DoctorFixture } from '../doctor/doctor-fixtures.js';
import { openclawRestoreFixture } from './openclaw-restore-fixture.js';

/** The gateway refuses a config whose $include is missing, and a token it was told is revoked. */
const CHECKS = `
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
if (typeof cfg.$include === 'string' && !existsSync(resolve(dirname(process.argv[2]), cfg.$include))) { process.stderr.write('$include not found: ' + cfg.$include + '\\n'); process.exit(1); }
if (cfg.gateway?.auth?.token === 'revoked') { process.stderr.write('gateway.auth.token: revoked\\n'); process.exit(1); }
`;

describe('OpenClaw preset: a refused copy is described by what was checked', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await openclawRestoreFixture(undefined, CHECKS);
  });
  afterEach(() => fx.cleanup());

  it('a copy naming a missing $include, the user\'s token carried in: no claim that the copy is valid with its own token', async () => {
    const healthy = { $include: './channels.json5', gateway: { mode: 'local', auth: { mode: 'token', token: 'copy-tok' } } };
    await fx.snapshots.save(Buffer.from(JSON.stringify(healthy, null, 2)), { sourcePath: fx.configPath!, reason: 'test', kind: 'last-known-good', mode: 0o600 });
    const broken = JSON.stringify({ $include: './channels.json5', gateway: { auth: { mode: 'token', token: 'user-tok' } } }, null, 2);
    await fs.writeFile(fx.configPath!, broken, { mode: 0o600 });
    expect(await fs.stat(path.join(fx.dir, 'channels.json5')).catch(() => undefined)).toBeUndefined();
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    const o = report.outcomes[0]!;
    expect(o.applied).toBe(false);
    expect(await fs.readFile(fx.configPath!, 'utf8')).toBe(broken);
    const verdict = (o.details?.candidates as Array<{ verdict: string }>)[0]!.verdict;
    expect(verdict).not.toMatch(/valid only with/);
    expect(verdict).toMatch(/^refused: invalid with the broken file's protected settings in it \(gateway\.auth\.token\): .*channels\.json5 \(missing\)/);
    expect(verdict).toMatch(/not tried with the copy's own values/);
    expect(o.message).not.toMatch(/valid only with/);
  });
});
