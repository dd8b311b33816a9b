// A large JSON5 config (OpenClaw writes plain JSON into its JSON5 file) is restored by `doctor --fix`, its token carried.
// Its speed is not asserted here (speed lives in benchmarks): the json5 parser took ~5 s per read of these bytes and a
// repair reads them several times (60 s); plain JSON is read by JSON.parse first (3.7 s, measured when it came).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { configRestoreRule } from '../../src/doctor/rule-config-restore.js';
import { parseConfigText } from '../../src/platform/config-file.js';
import { makeFixture, type DoctorFixture } from './doctor-fixtures.js';

describe('a large json5 config', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await makeFixture({}, { backupGlobs: ['gateway.json5.bak'] });
    const configPath = path.join(fx.dir, 'gateway.json5');
    fx.withService({ configFile: { ...fx.service.configFile, path: configPath, format: 'json5' } });
    fx.configPath = configPath;
  });
  afterEach(() => fx.cleanup());

  it('restores a broken 8 MiB one from its backup, carrying its token', async () => {
    const blob = 'a'.repeat(8 * 1024 * 1024);
    await fs.writeFile(`${fx.configPath}.bak`, `{"name":"demo-gateway","port":18789,"auth":{"token":"T-1"},"blob":"${blob}"}\n`);
    fx.withService({ configFile: { ...fx.service.configFile, protect: ['auth.token'] } });
    await fs.writeFile(fx.configPath, `{"name":"demo-gateway","port":"oops","auth":{"token":"T-2"},"blob":"${blob}"}\n`);
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    expect(report.outcomes[0]).toMatchObject({ applied: true, verified: true });
    const after = parseConfigText(await fs.readFile(fx.configPath, 'utf8'), 'json5');
    expect(after.ok && after.value).toMatchObject({ port: 18789, auth: { token: 'T-2' } });
  }, 180_000);

  it('JSON5 proper (comments, trailing commas, unquoted keys) still parses, and plain JSON means the same', () => {
    expect(parseConfigText('{\n  // c\n  port: 1,\n  a: [1, 2,],\n}\n', 'json5')).toEqual({ ok: true, value: { port: 1, a: [1, 2] } });
    expect(parseConfigText('\uFEFF{"port":1,"x":null}', 'json5')).toEqual({ ok: true, value: { port: 1, x: null } });
    const bad = parseConfigText('{"port": 1', 'json5');
    expect(bad.ok).toBe(false);
    expect(bad.ok ? '' : bad.error).toMatch(/JSON5/);
  });
});
