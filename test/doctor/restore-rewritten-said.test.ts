// A whole-file restore whose copy could not take the user's protected settings in its own text (the copy has a scalar,
// `channels: false`, where the user's channel token goes) was serialized anew: the copy's comments, unquoted keys and
// quotes were lost while the outcome and the journal said nothing of it. They must say so, and where the user's text is kept.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import JSON5 from 'json5';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { configRestoreRule } from '../../src/doctor/rule-config-restore.js';
import { openclawRestoreFixture } from '../presets/openclaw-restore-fixture.js';
import type { DoctorFixture } from './doctor-fixtures.js';

const COPY = `// OpenClaw config, hand edited
{
  gateway: {
    mode: 'local', // keep local
    port: 18789,
    auth: { token: 'tok-1111' },
  },
  /* channels: none yet */
  channels: false,
}
`;

const USER = `// OpenClaw config, hand edited
{
  gateway: {
    port: 18789,
    auth: { token: 'tok-1111' },
  },
  channels: {
    telegram: { botToken: 'tg-new-123' }, // added today
  },
}
`;

describe('a restore that had to rewrite the copy whole', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await openclawRestoreFixture();
  });
  afterEach(() => fx.cleanup());

  it('says the copy was rewritten (comments and layout lost) and where the user\'s own text is kept', { timeout: 30_000 }, async () => {
    await fx.snapshots.save(Buffer.from(COPY), { sourcePath: fx.configPath, reason: 'test', kind: 'last-known-good', mode: 0o600 });
    await fs.writeFile(fx.configPath, USER, { mode: 0o600 });
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    const out = report.outcomes[0]!;
    expect(out.verified).toBe(true);
    const text = await fs.readFile(fx.configPath, 'utf8');
    // The user's token is kept...
    expect(JSON5.parse(text)).toMatchObject({ gateway: { mode: 'local' }, channels: { telegram: { botToken: 'tg-new-123' } } });
    // ...and since the copy's text could not take it in place (its comment is gone), that is said, with the kept original.
    expect(text).not.toContain('// keep local');
    const evidence = out.details!.evidence as string;
    expect(await fs.readFile(evidence, 'utf8')).toBe(USER);
    expect(out.details).toMatchObject({ method: 'restore', rewritten: true, carried: ['channels.telegram.botToken'] });
    expect(out.message).toContain('rewritten whole');
    expect(out.message).toContain('comments and layout not kept');
    expect(out.message).toContain(`your file's own text is kept at ${evidence}`);
    expect(path.dirname(evidence)).toBe(fx.dir);
  });

  it('says nothing of a rewrite when the copy\'s text took the settings in place', { timeout: 30_000 }, async () => {
    await fx.snapshots.save(Buffer.from(COPY.replace('channels: false', 'channels: {}')), { sourcePath: fx.configPath, reason: 'test', kind: 'last-known-good', mode: 0o600 });
    await fs.writeFile(fx.configPath, USER, { mode: 0o600 });
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    const out = report.outcomes[0]!;
    expect(out.verified).toBe(true);
    expect(await fs.readFile(fx.configPath, 'utf8')).toContain('// keep local');
    expect(out.details).toMatchObject({ method: 'restore', rewritten: false });
    expect(out.message).not.toContain('rewritten whole');
  });
});
