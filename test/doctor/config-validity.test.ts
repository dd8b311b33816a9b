import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import { checkConfigContent, checkConfigFile } from '../../src/doctor/config-validity.js';
import { spawnRunner } from '../../src/doctor/command-runner.js';
import { serviceSchema } from '../../src/config/schema.js';
import { GOOD_CONFIG, makeFixture, type DoctorFixture } from './doctor-fixtures.js';

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
