import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { checkConfigContent, checkConfigFile } from '../../src/doctor/config-validity.js';
import { spawnRunner } from '../../src/doctor/command-runner.js';
import { serviceSchema } from '../../src/config/schema.js';
import { GOOD_CONFIG, makeFixture, type DoctorFixture } from './doctor-fixtures.js';
import { mountSmallDisk, type SmallDisk } from '../helpers/tmpfs.js';

describe('checkConfigFile', () => {
  let fx: DoctorFixture;
  const runner = spawnRunner();
  beforeEach(async () => {
    fx = await makeFixture();
  });
  afterEach(() => fx.cleanup());

  it('valid: parses and the validateCommand exits 0', async () => {
    const c = await checkConfigFile(fx.service, runner);
    expect(c.state).toBe('valid');
    expect(c.validator).toBe('passed');
    expect(c.checksum).toMatch(/^[0-9a-f]{64}$/);
  });

  it('missing, unparseable (truncated), invalid (validator says no)', async () => {
    await fs.writeFile(fx.configPath, GOOD_CONFIG.slice(0, 20));
    expect((await checkConfigFile(fx.service, runner)).state).toBe('unparseable');
    await fs.writeFile(fx.configPath, '{"name":"demo-gateway","port":"eighteen"}');
    const invalid = await checkConfigFile(fx.service, runner);
    expect(invalid.state).toBe('invalid');
    expect(invalid.validator).toBe('failed');
    expect(invalid.error).toMatch(/port must be an integer/);
    await fs.rm(fx.configPath);
    expect((await checkConfigFile(fx.service, runner)).state).toBe('missing');
  });

  it('a validator that cannot run makes the file "invalid" with validator "unavailable"', async () => {
    const svc = serviceSchema.parse({ ...fx.service, configFile: { ...fx.service.configFile, validateCommand: ['/nonexistent/validator', '{file}'] } });
    const c = await checkConfigFile(svc, runner);
    expect(c.state).toBe('invalid');
    expect(c.validator).toBe('unavailable');
  });

  it('a validator slower than configFile.validateTimeout is cut off and counts as unavailable', async () => {
    const svc = serviceSchema.parse({
      ...fx.service,
      configFile: { ...fx.service.configFile, validateCommand: [process.execPath, '-e', 'setTimeout(() => {}, 10000)'], validateTimeout: '300ms' },
    });
    const began = Date.now();
    const c = await checkConfigFile(svc, runner);
    expect(Date.now() - began).toBeLessThan(5000);
    expect(c.validator).toBe('unavailable');
  });

  it('checkConfigContent validates bytes through a temp file it removes again', async () => {
    const before = await fs.readdir(fx.dir);
    expect((await checkConfigContent(fx.service, Buffer.from(GOOD_CONFIG), runner)).state).toBe('valid');
    expect((await checkConfigContent(fx.service, Buffer.from('{"port":1.5}'), runner)).state).toBe('invalid');
    expect((await checkConfigContent(fx.service, Buffer.from('{"port":'), runner)).state).toBe('unparseable');
    expect(await fs.readdir(fx.dir)).toEqual(before);
  });
});

/** Resolves top-level `{ $include: "<relative file>" }` sections against the checked file's directory, then wants an integer port. */
const INCLUDE_VALIDATOR = `import { readFileSync } from 'node:fs';
import path from 'node:path';
const file = process.argv[2];
const cfg = JSON.parse(readFileSync(file, 'utf8'));
for (const [k, v] of Object.entries(cfg)) {
  if (v && typeof v === 'object' && typeof v.$include === 'string') {
    try { cfg[k] = JSON.parse(readFileSync(path.resolve(path.dirname(file), v.$include), 'utf8')); }
    catch { process.stderr.write('Failed to parse include file: ' + v.$include + '\\n'); process.exit(1); }
  }
}
if (!Number.isInteger(cfg.port)) { process.stderr.write('port must be an integer\\n'); process.exit(1); }
`;

describe('checkConfigContent when the config directory is full', () => {
  let fx: DoctorFixture;
  let disk: SmallDisk;
  const runner = spawnRunner();
  beforeEach(async () => {
    fx = await makeFixture();
    disk = mountSmallDisk('1m');
  });
  afterEach(async () => {
    disk.unmount();
    await fx.cleanup();
  });

  it('leaves no partial temp copy beside the config, and gives no verdict on a split config it can only check elsewhere', async () => {
    const configPath = path.join(disk.dir, 'gateway.json');
    const validator = await fx.script('validate-include.mjs', INCLUDE_VALIDATOR);
    await fs.writeFile(path.join(disk.dir, 'agents.json'), '{"workspace":"/w"}\n');
    const service = serviceSchema.parse({ ...fx.service, configFile: { ...fx.service.configFile!, path: configPath, validateCommand: [process.execPath, validator, '{file}'] } });
    const split = Buffer.from(JSON.stringify({ port: 18789, agents: { $include: './agents.json' } }));
    await fs.writeFile(configPath, split);
    // Beside the config, where its include resolves, the split copy is valid.
    expect(await checkConfigContent(service, split, runner)).toMatchObject({ state: 'valid', validator: 'passed' });
    disk.fill();
    const before = await fs.readdir(disk.dir);

    const judged = await checkConfigContent(service, split, runner);
    expect(judged).toMatchObject({ state: 'invalid', validator: 'unavailable' });
    expect(judged.error).toContain('ENOSPC');
    // A config without includes is still judged from a private temp dir.
    expect(await checkConfigContent(service, Buffer.from(GOOD_CONFIG), runner)).toMatchObject({ state: 'valid', validator: 'passed' });
    expect(await fs.readdir(disk.dir)).toEqual(before);
  });

  it('leaves no temp dir with an empty copy behind when the temp dir is full too', async () => {
    const configPath = path.join(disk.dir, 'conf', 'gateway.json');
    const tmp = path.join(disk.dir, 'tmp');
    await fs.mkdir(path.dirname(configPath));
    await fs.mkdir(tmp);
    const validator = await fx.script('validate-include.mjs', INCLUDE_VALIDATOR);
    const service = serviceSchema.parse({ ...fx.service, configFile: { ...fx.service.configFile!, path: configPath, validateCommand: [process.execPath, validator, '{file}'] } });
    await fs.writeFile(configPath, GOOD_CONFIG);
    disk.fill();
    const was = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    try {
      for (let i = 0; i < 3; i++) await expect(checkConfigContent(service, Buffer.from(GOOD_CONFIG), runner)).rejects.toMatchObject({ code: 'ENOSPC' });
    } finally {
      if (was === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = was;
    }
    expect(await fs.readdir(tmp)).toEqual([]);
    expect(await fs.readdir(path.dirname(configPath))).toEqual(['gateway.json']);
  });
});
