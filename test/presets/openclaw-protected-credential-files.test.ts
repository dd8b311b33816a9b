// A channel setting that names the file holding its credential is a credential setting too: Telegram's tokenFile was
// protected, Google Chat's serviceAccountFile (channels.googlechat.serviceAccountFile, per account too) was not, so a
// restore from an older copy put back the path of a key the user had rotated away, without a word.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { protectedValues } from '../../src/doctor/protected-settings.js';
import { OPENCLAW_PROTECTED_SETTINGS } from '../../src/presets/openclaw.js';
import type { DoctorFixture } from '../doctor/doctor-fixtures.js';
import { openclawRestoreFixture, restoreWholeFile } from './openclaw-restore-fixture.js';

/** Google Chat as its docs configure it (channels/googlechat: serviceAccountFile, or GOOGLE_CHAT_SERVICE_ACCOUNT_FILE). */
function config(v: string): Record<string, unknown> {
  return {
    gateway: { mode: 'local', port: 18789 },
    channels: {
      googlechat: {
        enabled: true,
        serviceAccountFile: `/home/u/.openclaw/googlechat-${v}.json`,
        audienceType: 'app-url',
        audience: 'https://gw.example.com/googlechat',
        accounts: { work: { serviceAccountFile: `/home/u/.openclaw/googlechat-work-${v}.json` } },
      },
      telegram: { tokenFile: `/home/u/.openclaw/tg-${v}.token` },
    },
    agents: { defaults: { maxTokens: v === 'old' ? 1000 : 2000 } },
  };
}

describe('OpenClaw preset: the files holding channel credentials are protected', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await openclawRestoreFixture();
  });
  afterEach(() => fx.cleanup());

  it('names serviceAccountFile protected like tokenFile, at the channel and per account', () => {
    const keys = [...protectedValues(config('x'), OPENCLAW_PROTECTED_SETTINGS).keys()];
    expect(keys).toEqual(
      expect.arrayContaining(['channels.googlechat.serviceAccountFile', 'channels.googlechat.accounts.work.serviceAccountFile', 'channels.telegram.tokenFile']),
    );
    expect(keys).not.toContain('channels.googlechat.audience');
  });

  it('a whole-file restore keeps the key file the user rotated to since the copy was seen healthy', async () => {
    // gateway.mode removed, the validator naming no path: nothing to put back on its own, the whole file is restored.
    const { report, restored } = await restoreWholeFile(fx, config('old'), config('new') as { gateway: Record<string, unknown> });
    expect(report.outcomes[0]!.verified).toBe(true);
    // The credential files as the user set them last; everything else (here maxTokens) from the copy seen healthy.
    expect(restored).toEqual({ ...config('new'), agents: { defaults: { maxTokens: 1000 } } });
  });
});
