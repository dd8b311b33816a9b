// A burst of alerts to a fast endpoint: each alert sent must not list the whole outbox folder again (looking for alerts
// deleted by hand). Counted at the edge: node:fs's readdirSync is wrapped; the endpoint is the real loopback receiver.
import { afterEach, describe, expect, it, vi } from 'vitest';

const seen = vi.hoisted(() => ({ listings: 0 }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const readdirSync = ((...args: Parameters<typeof fs.readdirSync>) => {
    seen.listings++;
    return fs.readdirSync(...args);
  }) as typeof fs.readdirSync;
  return { ...fs, default: { ...fs, readdirSync }, readdirSync };
});

const { existsSync, readdirSync, rmSync } = await import('node:fs');
const path = await import('node:path');
const { createNotifier } = await import('../../src/notify/dispatcher.js');
const { systemClock } = await import('../../src/platform/clock.js');
const { Redactor } = await import('../../src/observe/redact.js');
const { Receiver } = await import('./receiver.js');
const { config, event, logCollector, removeDir, tempStateDir } = await import('./helpers.js');

const BURST = 300;
let stateDir: string | undefined;
let receiver: import('./receiver.js').Receiver | undefined;

afterEach(async () => {
  await receiver?.close();
  if (stateDir) await removeDir(stateDir);
  stateDir = undefined;
});

describe('a burst of alerts to a fast endpoint', () => {
  it('lists the outbox folder a bounded number of times, not once per alert sent (300 alerts: 600 listings of up to 300 files)', async () => {
    stateDir = await tempStateDir();
    receiver = await Receiver.start();
    const notifier = createNotifier(config([{ type: 'webhook', name: 'hook', url: `${receiver.base}/webhook/hook` }], { outboxLimit: 10_000 }), {
      stateDir,
      clock: systemClock(),
      redactor: new Redactor(),
    });
    seen.listings = 0;
    for (let i = 0; i < BURST; i++) notifier.publish(event({ type: 'service.exited', service: `svc-${i}`, incidentId: undefined }));
    await notifier.flush(60_000);
    await notifier.stop();
    expect(receiver.of('webhook')).toHaveLength(BURST);
    expect(readdirSync(path.join(stateDir, 'outbox', 'hook')).filter((f) => f.endsWith('.json'))).toHaveLength(0);
    // Two listings (the folder and its dead/) once a second at most, and whenever the next alert's file is gone.
    expect(seen.listings).toBeLessThan(BURST / 5);
  }, 90_000);

  it('still writes again the alerts of a folder deleted whole while they wait, and says so', async () => {
    stateDir = await tempStateDir();
    receiver = await Receiver.start();
    receiver.script(100_000, 500);
    const logs = logCollector();
    const notifier = createNotifier(config([{ type: 'webhook', name: 'hook', url: `${receiver.base}/webhook/hook` }], { maxAttempts: 1000, backoff: { initial: 50, max: 50 } }), {
      stateDir,
      clock: systemClock(),
      redactor: new Redactor(),
      log: logs.log,
    });
    for (let i = 0; i < 5; i++) notifier.publish(event({ type: 'service.exited', service: `svc-${i}`, incidentId: undefined }));
    const folder = path.join(stateDir, 'outbox', 'hook');
    await receiver.waitFor(() => receiver!.requests.length >= 2, 10_000, 'a first failed try');
    rmSync(folder, { recursive: true, force: true });
    await receiver.waitFor(() => existsSync(folder) && readdirSync(folder).filter((f) => f.endsWith('.json')).length >= 5, 10_000, 'the five alerts written again');
    await notifier.stop();
    expect(logs.lines.some((l) => /\d alert\(s\) waiting for hook were missing from the outbox/.test(l))).toBe(true);
  }, 30_000);
});
