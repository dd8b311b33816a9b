// The copy seen healthy had `auth: {}`, the user's file `auth: { token: 'tok-user' }` now: the restore said
// "carried over: gateway.auth.token" and, in the same breath, "left out ... (removed by the user): gateway.auth" — the
// copy's `auth: {}` (and its comment) cut, a new member written in its place. Nothing of the user's was removed: the
// copy's empty object takes their members in its braces, and that is all that is said.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import JSON5 from 'json5';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { configRestoreRule } from '../../src/doctor/rule-config-restore.js';
import type { DoctorFixture } from '../doctor/doctor-fixtures.js';
import { openclawRestoreFixture } from './openclaw-restore-fixture.js';

const COPY = "// known good\n{\n  gateway: {\n    mode: 'local',\n    port: 18789,\n    auth: {}, // none yet\n  },\n}\n";

describe('OpenClaw preset: a restore over the copy\'s empty auth the user filled', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await openclawRestoreFixture();
  });
  afterEach(() => fx.cleanup());

  it('carries the user\'s token into the copy\'s braces and says nothing was removed', { timeout: 30_000 }, async () => {
    await fx.snapshots.save(Buffer.from(COPY), { sourcePath: fx.configPath, reason: 'test', kind: 'last-known-good', mode: 0o600 });
    await fs.writeFile(fx.configPath, "{\n  gateway: {\n    port: 18789,\n    auth: { mode: 'token', token: 'tok-user' },\n  },\n}\n", { mode: 0o600 });
    const out = (await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] })).outcomes[0]!;
    expect(out.verified).toBe(true);
    const text = await fs.readFile(fx.configPath, 'utf8');
    expect(JSON5.parse(text)).toEqual({ gateway: { mode: 'local', port: 18789, auth: { mode: 'token', token: 'tok-user' } } });
    expect(text).toContain('// none yet');
    expect(out.details).toMatchObject({ carried: ['gateway.auth.mode', 'gateway.auth.token'], droppedProtected: [], rewritten: false });
    expect(out.message).not.toMatch(/removed by the user|left out/);
  });
});
