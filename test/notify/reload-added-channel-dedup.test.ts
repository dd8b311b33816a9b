// A channel added by a reload got nothing of a fact the other channels were told a moment before: the dedup memory the new
// notifier keeps suppressed the repeat for everyone. The new channel now gets the next repeat; the others still do not.
import { afterEach, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { Receiver } from './receiver.js';
import { dedupConfig, hook, messagesTo, reloadAddingChannel } from './reload-dedup.js';

let td: TestDaemon | undefined;
let receiver: Receiver | undefined;
afterEach(async () => {
  await td?.stop();
  await receiver?.close();
  td = undefined;
  receiver = undefined;
});

describe('a channel added by a reload inside the dedup window', () => {
  it('gets the next repeat once; the channels that had it get nothing more', async () => {
    receiver = await Receiver.start();
    const r = receiver;
    td = await startTestDaemon(dedupConfig([hook(r, 'ops')]));
    const d = td.daemon;
    const flap = (): void => d.ctx.emit({ type: 'daemon.fault', time: d.ctx.clock.now(), severity: 'warning', message: 'worker: disk nearly full' });
    let marks = 0;
    const marker = async (): Promise<void> => {
      const text = `marker ${++marks}`;
      d.ctx.emit({ type: 'daemon.fault', time: d.ctx.clock.now(), severity: 'warning', message: text });
      // A channel sends in order: once the marker is there on every channel, a repeat let through is there too.
      await r.waitFor(() => ['ops', 'added'].every((c) => messagesTo(r, c).includes(text)) || (marks === 1 && messagesTo(r, 'ops').includes(text)), 20_000, text);
    };
    flap();
    await marker();

    await reloadAddingChannel(td, r);

    flap();
    await marker();
    // Before the fix: 0 on the added channel (the repeat was suppressed for every channel).
    expect(messagesTo(r, 'added').filter((m) => m.includes('disk nearly full'))).toHaveLength(1);
    expect(messagesTo(r, 'ops').filter((m) => m.includes('disk nearly full'))).toHaveLength(1);

    // Both have heard it now: a further repeat inside the window goes nowhere.
    flap();
    await marker();
    expect(messagesTo(r, 'added').filter((m) => m.includes('disk nearly full'))).toHaveLength(1);
    expect(messagesTo(r, 'ops').filter((m) => m.includes('disk nearly full'))).toHaveLength(1);
  }, 90_000);
});
