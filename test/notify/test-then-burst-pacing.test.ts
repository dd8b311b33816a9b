// `clawback notify test` read Discord's answer for its own report only: its `X-RateLimit-Remaining: 0` (the bucket
// emptied by the test) or its 429's retry_after was not kept for the channel, and the alerts right after it were sent
// at once into the empty bucket: a 429 each window. The test's answer now paces the channel as a delivery's does.
import { afterEach, describe, expect, it } from 'vitest';
import { createNotifier, type Notifier } from '../../src/notify/dispatcher.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import { config, event, removeDir, tempStateDir } from './helpers.js';
import { discordBucket } from './discord-bucket.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('notify test, then a burst', () => {
  it('a test that empties the bucket holds the alerts after it until it refills: no 429', async () => {
    // A window long enough that the burst starts well inside it, on a loaded machine too.
    const bucket = await discordBucket(1, 3000);
    cleanups.push(bucket.close);
    const stateDir = await tempStateDir();
    cleanups.push(() => removeDir(stateDir));
    const notifier: Notifier = createNotifier(config([{ type: 'discord', url: bucket.url }]), { stateDir, clock: systemClock(), redactor: new Redactor() });
    cleanups.push(() => notifier.stop());
    const [tested] = await notifier.test();
    expect(tested!.ok).toBe(true);
    for (let i = 0; i < 3; i++) notifier.publish(event({ type: 'service.exited', severity: 'warning', level: undefined, service: `svc-${i}`, incidentId: undefined, message: `svc-${i} exited` }));
    await notifier.flush(30_000);
    expect(bucket.ok()).toBe(4);
    expect(bucket.limited()).toBe(0);
    expect(notifier.outboxDepth()).toBe(0);
  }, 45_000);

  it('a test answered 429 holds the alerts after it for the wait asked: no second 429', async () => {
    const bucket = await discordBucket(1, 3000);
    cleanups.push(bucket.close);
    const stateDir = await tempStateDir();
    cleanups.push(() => removeDir(stateDir));
    const notifier: Notifier = createNotifier(config([{ type: 'discord', url: bucket.url }]), { stateDir, clock: systemClock(), redactor: new Redactor() });
    cleanups.push(() => notifier.stop());
    // Another sender (a second host on the same webhook) emptied the bucket.
    await fetch(bucket.url, { method: 'POST', body: '{}' });
    const [tested] = await notifier.test();
    expect(tested!.status).toBe(429);
    notifier.publish(event({ type: 'service.exited', severity: 'warning', level: undefined, service: 'svc', incidentId: undefined, message: 'svc exited' }));
    await notifier.flush(30_000);
    expect(bucket.ok()).toBe(2);
    expect(bucket.limited()).toBe(1);
    expect(notifier.outboxDepth()).toBe(0);
  }, 45_000);
});
