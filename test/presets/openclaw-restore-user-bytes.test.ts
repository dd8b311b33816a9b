// A whole-file restore writes the protected values it carries from the user's file in the user's own bytes: their
// JSON5 'new-tok-\u00e9x' became "new-tok-éx" (quote style and escape re-encoded), and a value added into an inline
// object the repair had emptied lost its spacing (`auth: {"password": "pw-user" }`).
import { promises as fs } from 'node:fs';
import JSON5 from 'json5';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { configRestoreRule } from '../../src/doctor/rule-config-restore.js';
import type { DoctorFixture } from '../doctor/doctor-fixtures.js';
import { carryOverText } from '../../src/doctor/protected-settings.js';
import { openclawRestoreFixture } from './openclaw-restore-fixture.js';

async function restore(fx: DoctorFixture, healthy: string, broken: string): Promise<{ message: string; verified: boolean; text: string }> {
  await fx.snapshots.save(Buffer.from(healthy), { sourcePath: fx.configPath!, reason: 'test', kind: 'last-known-good', mode: 0o600 });
  await fs.writeFile(fx.configPath!, broken, { mode: 0o600 });
  const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
  const o = report.outcomes[0]!;
  return { message: o.message, verified: o.verified, text: await fs.readFile(fx.configPath!, 'utf8') };
}

describe('OpenClaw preset: a restore carries the user\'s protected values in their own bytes', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await openclawRestoreFixture();
  });
  afterEach(() => fx.cleanup());

  it('a rotated token keeps its single quotes and its \\u escape', async () => {
    const healthy = '{\n  // my gateway\n  gateway: {\n    mode: "local",\n    port: 18789,\n    auth: { mode: "token", token: "old-tok" },\n  },\n}\n';
    const broken = "{\n  // my gateway\n  gateway: {\n    port: 18789,\n    auth: { mode: 'token', token: 'new-tok-\\u00e9x' },\n  },\n}\n";
    const r = await restore(fx, healthy, broken);
    expect(r.verified).toBe(true);
    expect(r.message).toMatch(/carried over from the broken file: gateway\.auth\.token/);
    expect(r.text).toBe("{\n  // my gateway\n  gateway: {\n    mode: \"local\",\n    port: 18789,\n    auth: { mode: \"token\", token: 'new-tok-\\u00e9x' },\n  },\n}\n");
    expect(JSON5.parse(r.text).gateway.auth.token).toBe('new-tok-éx');
  });

  it('a password put where the copy\'s token was taken out keeps the inline object\'s layout and the user\'s key', async () => {
    const healthy = '{\n  gateway: {\n    mode: "local",\n    auth: { token: "old-tok" },\n  },\n}\n';
    const broken = "{\n  gateway: {\n    auth: { password: 'pw-user' },\n  },\n}\n";
    const r = await restore(fx, healthy, broken);
    expect(r.verified).toBe(true);
    expect(r.text).toBe("{\n  gateway: {\n    mode: \"local\",\n    auth: { password: 'pw-user' },\n  },\n}\n");
  });

  it('an allowFrom list carried as the user wrote it, comments and all', () => {
    const copy = '{\n  channels: {\n    telegram: {\n      allowFrom: ["1"],\n    },\n  },\n}\n';
    const mine = "{\n  channels: {\n    telegram: {\n      allowFrom: [\n        '1', // me\n        '2', // my partner\n      ],\n    },\n  },\n}\n";
    const r = carryOverText(copy, JSON5.parse(copy), JSON5.parse(mine), ['channels.*.allowFrom'], 'json5', { sourceText: mine });
    expect(r.carried).toEqual(['channels.telegram.allowFrom']);
    expect(r.text).toBe(mine);
  });

  it('strict JSON stays strict JSON and an empty object gets the member inside its spacing', () => {
    const copy = '{\n  "gateway": { }\n}\n';
    const mine = '{"gateway": {"auth": {"token": "t\\u00e9"}}}';
    const r = carryOverText(copy, JSON.parse(copy), JSON.parse(mine), ['gateway.auth.token'], 'json', { sourceText: mine });
    expect(r.text).toBe('{\n  "gateway": { "auth": { "token": "t\\u00e9" } }\n}\n');
    expect(JSON.parse(r.text)).toEqual(JSON.parse(mine));
  });
});
