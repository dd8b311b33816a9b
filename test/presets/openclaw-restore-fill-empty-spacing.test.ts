// The copy's `auth: {}` filled with the user's token came out as `auth: {token: 'tok-x'}` beside the file's own
// `controlUi: { enabled: true }`: the member was put in the braces with no space either side. It is spaced as the
// file's one-line objects are (and kept tight in a file that writes them tight).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { configRestoreRule } from '../../src/doctor/rule-config-restore.js';
import type { DoctorFixture } from '../doctor/doctor-fixtures.js';
import { openclawRestoreFixture } from './openclaw-restore-fixture.js';

const copy = (ui: string): string => `// known good\n{\n  gateway: {\n    mode: 'local',\n    port: 18789,\n    controlUi: ${ui},\n    auth: {},\n  },\n}\n`;

describe('OpenClaw preset: the copy\'s empty auth filled in the file\'s spacing', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await openclawRestoreFixture();
  });
  afterEach(() => fx.cleanup());

  for (const [ui, want] of [
    ['{ enabled: true }', "auth: { token: 'tok-x' },"],
    ['{enabled: true}', "auth: {token: 'tok-x'},"],
  ] as const) {
    it(`beside controlUi: ${ui}`, { timeout: 30_000 }, async () => {
      await fx.snapshots.save(Buffer.from(copy(ui)), { sourcePath: fx.configPath, reason: 'test', kind: 'last-known-good', mode: 0o600 });
      await fs.writeFile(fx.configPath, "{\n  gateway: {\n    port: 18789,\n    auth: { token: 'tok-x' },\n  },\n}\n", { mode: 0o600 });
      const out = (await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] })).outcomes[0]!;
      expect(out.verified).toBe(true);
      expect(out.details).toMatchObject({ carried: ['gateway.auth.token'], rewritten: false });
      expect(await fs.readFile(fx.configPath, 'utf8')).toBe(copy(ui).replace('auth: {},', want));
    });
  }
});
