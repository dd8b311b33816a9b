// A protected setting the user removed is cut from the copy's own text on a restore: from a one-line JSON5 object its
// last member left a stray comma ({ mode: "local", port: 18789, }), a trailing comma the user never wrote.
import { promises as fs } from 'node:fs';
import JSON5 from 'json5';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { configRestoreRule } from '../../src/doctor/rule-config-restore.js';
import { removeKeysFromText } from '../../src/doctor/text-key-removal.js';
import type { DoctorFixture } from '../doctor/doctor-fixtures.js';
import { openclawRestoreFixture } from './openclaw-restore-fixture.js';

describe('OpenClaw preset: a removed member leaves no stray comma', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await openclawRestoreFixture();
  });
  afterEach(() => fx.cleanup());

  it('a one-line JSON5 object loses its last member without a stray comma, comments and layout kept', async () => {
    const copy = '{\n  // the gateway\n  gateway: { mode: "local", port: 18789, tls: { enabled: true } },\n  agents: { defaults: { maxTokens: 1000 } },\n}\n';
    await fx.snapshots.save(Buffer.from(copy), { sourcePath: fx.configPath, reason: 'test', kind: 'last-known-good', mode: 0o600 });
    await fs.writeFile(fx.configPath, JSON.stringify({ gateway: { port: 18789 }, agents: { defaults: { maxTokens: 2000 } } }), { mode: 0o600 });
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    expect(report.outcomes[0]!.verified).toBe(true);
    const text = await fs.readFile(fx.configPath, 'utf8');
    expect(text).toBe('{\n  // the gateway\n  gateway: { mode: "local", port: 18789 },\n  agents: { defaults: { maxTokens: 1000 } },\n}\n');
    expect(JSON5.parse(text)).toEqual({ gateway: { mode: 'local', port: 18789 }, agents: { defaults: { maxTokens: 1000 } } });
  });

  it('the last member of a one-line or multi-line object without a trailing comma: the previous comma goes too', () => {
    const one = '{ a: 1, /* keep */ b: 2, c: { d: 3 } } // end\n';
    expect(removeKeysFromText(one, ['c'], 'json5', { a: 1, b: 2 })).toBe('{ a: 1, /* keep */ b: 2 } // end\n');
    const multi = '{\n  a: 1, // first\n  b: 2\n}\n';
    expect(removeKeysFromText(multi, ['b'], 'json5', { a: 1 })).toBe('{\n  a: 1 // first\n}\n');
    // The user's own trailing commas are theirs: kept.
    const trailing = '{ a: 1, b: 2, }';
    expect(removeKeysFromText(trailing, ['b'], 'json5', { a: 1 })).toBe('{ a: 1, }');
  });
});
