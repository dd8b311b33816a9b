// `logs.maxBytes` must be at least 1024 bytes at load, but the exported JSON Schema took any size above 0: an editor
// passed `maxBytes: 512` or `"1000"` that validate then refused. The schema's bound is generated from the loader's.
import { describe, expect, it } from 'vitest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { configJsonSchema } from '../../src/config/json-schema.js';
import { validateConfig } from '../../src/config/load.js';

const withMaxBytes = (v: unknown): Record<string, unknown> => ({ services: [{ name: 'web', command: ['node', 'x.js'], logs: { maxBytes: v } }] });

const VALUES: unknown[] = [
  0, 1, 512, 1000, 1023, 1023.4, 1023.5, 1024, 1025, 10485760,
  '512', '1000', '1023', '1024', '1024b', '2048B', '0.5K', '1K', '1k', '1KiB', '0.9KiB', '1kB', '1.5kB', '2kb', '1.024kB',
  '10MiB', '200MB', '1M', '1.5GiB', '1T', '0', '0b', '-5', '10 potatoes',
];

describe('logs.maxBytes: the JSON Schema and the loader agree', () => {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  const check = ajv.compile(configJsonSchema());
  it.each(VALUES.map((v) => [JSON.stringify(v), v]))('%s', (_, v) => {
    let loads = true;
    try {
      validateConfig(withMaxBytes(v), 't.yaml');
    } catch {
      loads = false;
    }
    expect(check(withMaxBytes(v))).toBe(loads);
  });
});
