// WhatsApp keeps its login in a folder (the Baileys auth state), named per account by
// channels.whatsapp.accounts.<id>.authDir: it was not protected, so a whole-file restore from an older copy put the
// account back on the folder the user had moved it away from (an old, logged-out or another number's session).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { protectedValues } from '../../src/doctor/protected-settings.js';
import { OPENCLAW_PROTECTED_SETTINGS } from '../../src/presets/openclaw.js';
import type { DoctorFixture } from '../doctor/doctor-fixtures.js';
import { openclawRestoreFixture, restoreWholeFile } from './openclaw-restore-fixture.js';

/** WhatsApp as the gateway's schema has it: authDir per account (WhatsAppAccountSchema), allowFrom, dmPolicy. */
function config(v: string): Record<string, unknown> {
  return {
    gateway: { mode: 'local', port: 18789 },
    channels: {
      whatsapp: {
        dmPolicy: 'allowlist',
        allowFrom: ['+15550001111'],
        accounts: {
          personal: { authDir: `/home/u/.openclaw/credentials/whatsapp/personal-${v}` },
          work: { authDir: `/srv/wa/work-${v}`, enabled: true },
        },
      },
    },
    agents: { defaults: { maxTokens: v === 'old' ? 1000 : 2000 } },
  };
}

describe('OpenClaw preset: WhatsApp account auth folders are protected', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await openclawRestoreFixture();
  });
  afterEach(() => fx.cleanup());

  it('names every account authDir protected', () => {
    const keys = [...protectedValues(config('x'), OPENCLAW_PROTECTED_SETTINGS).keys()];
    expect(keys).toEqual(expect.arrayContaining(['channels.whatsapp.accounts.personal.authDir', 'channels.whatsapp.accounts.work.authDir']));
  });

  it('a whole-file restore keeps the auth folders the user moved the accounts to since the copy was seen healthy', async () => {
    const { report, restored } = await restoreWholeFile(fx, config('old'), config('new') as { gateway: Record<string, unknown> });
    expect(report.outcomes[0]!.verified).toBe(true);
    expect(restored).toEqual({ ...config('new'), agents: { defaults: { maxTokens: 1000 } } });
  });
});
