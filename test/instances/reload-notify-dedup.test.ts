// The dedup memory started empty after a reload that changed `notify:`: a flapping service's identical alert, suppressed
// a moment before, went out again right after the reload. Now the new notifier keeps the memory of the one it replaces.
import { afterEach, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { Receiver } from '../notify/receiver.js';
import { dedupConfig, hook, messagesTo, reloadAddingChannel } from '../notify/reload-dedup.js';

let td: TestDaemon | undefined;
let receiver: Receiver | undefined;
afterEach(async () => {
  await td?.stop();
  await receiver?.close();
  td = undefined;
  receiver = undefined;
});

describe('reload of the notify section and the dedup window', () => {
  it('a repeat inside the window stays suppressed after the reload', async () => {
    receiver = await Receiver.start();
    const r = receiver;
    td = await startTestDaemon(dedupConfig([hook(r, 'ops')]));
    const d = td.daemon;
    const flap = (): void => d.ctx.emit({ type: 'daemon.fault', time: d.ctx.clock.now(), severity: 'warning', message: 'worker: disk nearly full' });
    flap();
    await r.waitFor(() => messagesTo(r, 'ops').some((m) => m.includes('disk nearly full')), 20_000, 'the first alert');
    flap();

    await reloadAddingChannel(td, r);

    flap();
    d.ctx.emit({ type: 'daemon.fault', time: d.ctx.clock.now(), severity: 'warning', message: 'marker after the reload' });
    // A channel sends in order: once the marker is there, a repeat let through would be there too.
    await r.waitFor(() => messagesTo(r, 'ops').some((m) => m.includes('marker after the reload')), 20_000, 'the marker');
    // Before the fix: 2 (the repeat went out again right after the reload).
    expect(messagesTo(r, 'ops').filter((m) => m.includes('disk nearly full'))).toHaveLength(1);
  }, 90_000);
});
