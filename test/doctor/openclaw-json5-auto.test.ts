// OpenClaw's config is JSON5 under the name openclaw.json: with `format: auto` every reader (the doctor's config rule, the
// config probe, last-known-good, an `openclaw` block's service whatever the file is called) reads it as JSON5, so a valid
// edit with comments, trailing commas and unquoted keys is never "unparseable" and never restored over by an older copy.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { configRestoreRule } from '../../src/doctor/rule-config-restore.js';
import { checkConfigFile } from '../../src/doctor/config-validity.js';
import { spawnRunner } from '../../src/doctor/command-runner.js';
import { detectFormat } from '../../src/platform/config-file.js';
import { createConfigProbe } from '../../src/probes/config-probe.js';
import { probeSchema, type ProbeConfigOf } from '../../src/probes/probe-schema.js';
import { validateConfig } from '../../src/config/load.js';
import { makeFixture, type DoctorFixture } from './doctor-fixtures.js';

const JSON5_EDIT = `// my gateway
{
  gateway: {
    mode: 'local',
    port: 19999, // pinned
    auth: { token: 'abc123secrettoken' },
  },
}
`;
const OLDER_BACKUP = '{"gateway":{"mode":"local","port":18000}}\n';

describe('format: auto reads openclaw.json as JSON5', () => {
  let fx: DoctorFixture;
  let file: string;
  beforeEach(async () => {
    fx = await makeFixture({}, { validate: false });
    const dir = path.join(fx.dir, '.openclaw');
    await fs.mkdir(dir);
    file = path.join(dir, 'openclaw.json');
    await fs.writeFile(file, JSON5_EDIT);
    await fs.writeFile(`${file}.bak`, OLDER_BACKUP);
    fx.withService({ configFile: { path: file, backupGlobs: [`${file}.bak*`] } });
  });
  afterEach(() => fx.cleanup());

  it('the doctor finds the valid JSON5 edit valid and --fix leaves it (no older .bak restored over it)', async () => {
    expect(fx.service.configFile!.format).toBe('auto');
    expect((await checkConfigFile(fx.service, spawnRunner())).state).toBe('valid');
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    expect(report.findings).toEqual([]);
    expect(await fs.readFile(file, 'utf8')).toBe(JSON5_EDIT);
    expect((await fs.readdir(path.dirname(file))).filter((n) => n.includes('.corrupt-'))).toEqual([]);
  });

  it('the config probe agrees; a truly broken openclaw.json is still a failure', async () => {
    const probe = createConfigProbe(probeSchema.parse({ kind: 'config' }) as ProbeConfigOf<'config'>);
    const target = { pid: undefined, startedAt: undefined, configFile: { path: file, format: 'auto' as const } };
    expect(await probe.check(target, AbortSignal.timeout(10_000))).toMatchObject({ status: 'success' });
    await fs.writeFile(file, JSON5_EDIT.slice(0, 40));
    expect(await probe.check(target, AbortSignal.timeout(10_000))).toMatchObject({ status: 'failure', finding: 'config-invalid' });
  });

  it('other names keep their formats: a .json stays strict JSON', () => {
    expect(detectFormat('/x/.openclaw/OpenClaw.json')).toBe('json5');
    expect(detectFormat('/x/gateway.json')).toBe('json');
    expect(detectFormat('/x/openclaw.json.bak')).toBe('json');
    expect(detectFormat('/x/openclaw.json', 'json')).toBe('json');
  });

  it('a service with an openclaw block reads its config as JSON5 whatever it is called', () => {
    const cfg = validateConfig(
      {
        services: [
          { name: 'gw', command: ['openclaw', 'gateway', 'run'], openclaw: { cli: ['openclaw'] }, configFile: { path: path.join(os.tmpdir(), 'gw.conf.json') } },
          { name: 'other', command: ['node', 'x.mjs'], configFile: { path: path.join(os.tmpdir(), 'gw.conf.json') } },
          { name: 'pinned', command: ['openclaw', 'gateway', 'run'], openclaw: { cli: ['openclaw'] }, configFile: { path: path.join(os.tmpdir(), 'gw.conf.json'), format: 'json' } },
        ],
      },
      'clawback.yaml',
    );
    expect(cfg.services.map((s) => s.configFile!.format)).toEqual(['json5', 'auto', 'json']);
  });
});
