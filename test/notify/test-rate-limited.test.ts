// `clawback notify test` against a rate-limited endpoint: it said only "HTTP 429: ...", never that it was a rate limit or for how long.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createNotifier, type Notifier } from '../../src/notify/dispatcher.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import { Receiver } from './receiver.js';
import { config, removeDir, tempStateDir, DISCORD_TOKEN } from './helpers.js';

describe('notify test on a 429', () => {
  let receiver: Receiver;
  let stateDir: string;
  let notifier: Notifier | undefined;
  beforeEach(async () => {
    receiver = await Receiver.start();
    stateDir = await tempStateDir();
  });
  afterEach(async () => {
    await notifier?.stop();
    notifier = undefined;
    await receiver.close();
    await removeDir(stateDir);
  });

  it('says the channel is rate-limited and how long the endpoint asks to wait', async () => {
    notifier = createNotifier(config([{ type: 'discord', url: `${receiver.base}/discord/1234567890/${DISCORD_TOKEN}` }]), { stateDir, clock: systemClock(), redactor: new Redactor(), hostname: 'h' });
    receiver.rateLimit(1, 7);
    const [limited] = await notifier.test();
    expect(limited!.ok).toBe(false);
    expect(limited!.status).toBe(429);
    expect(limited!.error).toMatch(/rate-limited; the endpoint asks to wait 7\.\ds before the next message/);
    expect(limited!.error).not.toContain(DISCORD_TOKEN);
    const [again] = await notifier.test();
    expect(again!.ok).toBe(true);
  });
});
