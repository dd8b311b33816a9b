// A config file that starts with a byte-order mark (as Windows editors write it) parses in every format and keeps its mark.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import { checkConfigFile } from '../../src/doctor/config-validity.js';
import { spawnRunner } from '../../src/doctor/command-runner.js';
import { parseConfigText, serializeConfig } from '../../src/platform/config-file.js';
import { GOOD_CONFIG, makeFixture, type DoctorFixture } from './doctor-fixtures.js';

describe('a config with a leading BOM', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await makeFixture({}, { validate: false });
  });
  afterEach(() => fx.cleanup());

  it('a format: json file with a BOM on disk (no validator) is judged valid, not "does not parse"', async () => {
    await fs.writeFile(fx.configPath, `\uFEFF${GOOD_CONFIG}`);
    const c = await checkConfigFile(fx.service, spawnRunner());
    expect(c.error).toBeUndefined();
    expect(c.state).toBe('valid');
  });

  it('parses in json, json5 and yaml; an empty file with only a BOM is still empty', () => {
    expect(parseConfigText('\uFEFF{"a":1}', 'json')).toEqual({ ok: true, value: { a: 1 } });
    expect(parseConfigText('\uFEFF{a:1}', 'json5')).toEqual({ ok: true, value: { a: 1 } });
    expect(parseConfigText('\uFEFFa: 1\n', 'yaml')).toEqual({ ok: true, value: { a: 1 } });
    expect(parseConfigText('\uFEFF', 'json')).toEqual({ ok: false, error: 'file is empty' });
  });

  it('a rewrite keeps the BOM of the text it replaces (and adds none)', () => {
    expect(serializeConfig({ a: 1 }, 'json', '\uFEFF{"a":2}')).toBe('\uFEFF{\n  "a": 1\n}\n');
    expect(serializeConfig({ a: 1 }, 'yaml', '\uFEFFa: 2\n')).toBe('\uFEFFa: 1\n');
    expect(serializeConfig({ a: 1 }, 'json', '{"a":2}')).toBe('{\n  "a": 1\n}\n');
  });
});
