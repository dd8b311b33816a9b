// A restore's message says what happened to each path: the broken file's `channels.telegram: {}` (a deploy that emptied
// the channel's block) restored with the copy's bot token kept was said "1 setting(s) not in the restored copy were
// dropped: channels.telegram", though the restored file has channels.telegram. An empty object that is still there, with
// members, is not dropped; one the copy does not have at all still is.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DoctorFixture } from '../doctor/doctor-fixtures.js';
import { openclawRestoreFixture, restoreWholeFile } from './openclaw-restore-fixture.js';

describe('OpenClaw preset: an emptied channel block restored with its kept token is not said dropped', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await openclawRestoreFixture();
  });
  afterEach(() => fx.cleanup());

  it('channels.telegram: {} -> kept with the copy token, named as kept, not as dropped; channels.discord: {} is dropped', async () => {
    const old = { gateway: { mode: 'local', port: 18789 }, channels: { telegram: { botToken: '1:a', dmPolicy: 'open' } } };
    const now = { gateway: { mode: 'local', port: 18789 }, channels: { telegram: {}, discord: {} } };
    const { report, restored } = await restoreWholeFile(fx, old, now);
    const o = report.outcomes[0]!;
    expect(o.verified).toBe(true);
    expect(restored.channels).toEqual({ telegram: { botToken: '1:a' } });
    expect(o.message).toMatch(/credentials of the copy kept.*channels\.telegram\.botToken/);
    expect(o.message).toMatch(/removed by the user.*channels\.telegram\.dmPolicy/);
    expect(o.message).toMatch(/1 setting\(s\) not in the restored copy were dropped: channels\.discord \(/);
    expect(o.message).not.toMatch(/dropped: [^;]*channels\.telegram\b(?!\.)/);
    const diff = o.details?.semanticDiff as { removed: string[]; added: string[] };
    expect(diff.removed).toEqual(['channels.discord']);
    expect(diff.added).toEqual(['channels.telegram.botToken', 'gateway.mode']);
  });
});
