// A JSON5 copy that writes a name twice (`auth: {...}` then `auth: {...}` again; the last is the one read): carrying the
// user's token into it edited the first, unread member, the result did not read back, and the whole file was rewritten
// (its comment, key style and layout lost, nothing said). A protected setting the user removed went the same way.
import { promises as fs } from 'node:fs';
import JSON5 from 'json5';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { configRestoreRule } from '../../src/doctor/rule-config-restore.js';
import { carryOverText } from '../../src/doctor/protected-settings.js';
import type { DoctorFixture } from '../doctor/doctor-fixtures.js';
import { openclawRestoreFixture } from './openclaw-restore-fixture.js';

const COPY = '{\n  // my gateway\n  gateway: {\n    mode: "local",\n    auth: { mode: "token", token: "old-tok-1" },\n    auth: { mode: "token", token: "old-tok-2" },\n  },\n}\n';

describe('OpenClaw preset: a copy with a name written twice', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await openclawRestoreFixture();
  });
  afterEach(() => fx.cleanup());

  it('the user\'s token goes into the member that is read; the comment and layout stay', async () => {
    await fx.snapshots.save(Buffer.from(COPY), { sourcePath: fx.configPath!, reason: 'test', kind: 'last-known-good', mode: 0o600 });
    await fs.writeFile(fx.configPath!, "{\n  gateway: {\n    auth: { mode: 'token', token: 'new-tok' },\n  },\n}\n", { mode: 0o600 });
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    expect(report.outcomes[0]!.verified).toBe(true);
    expect(await fs.readFile(fx.configPath!, 'utf8')).toBe(COPY.replace('"old-tok-2"', "'new-tok'"));
  });

  it('a protected setting the user removed is cut from its text, every copy of the name, not rewritten whole', () => {
    const copy = '{\n  // mine\n  gateway: {\n    mode: "local",\n    tls: { enabled: true },\n    tls: { enabled: true, certPath: "/c" },\n  },\n}\n';
    const user = { gateway: { mode: 'local' } };
    const r = carryOverText(copy, JSON5.parse(copy), user, ['gateway.tls.**'], 'json5', { dropAbsent: true });
    expect(r.dropped).toEqual(['gateway.tls']);
    expect(r.rewritten).toBe(false);
    expect(r.text).toBe('{\n  // mine\n  gateway: {\n    mode: "local",\n  },\n}\n');
  });
});
