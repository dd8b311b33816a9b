// The fs calls of each alert spooled and delivered (a burst to a fast endpoint): the channel's folder was made again
// (mkdir answering EEXIST, then a stat) before every alert written, and a delivered alert's file, already unlinked at the
// 2xx, was removed a second time (two stats of a file gone). Counted at the edge: node:fs's mkdirSync and promises.rm are
// wrapped; the endpoint is the real loopback receiver, the files real.
import { afterEach, describe, expect, it, vi } from 'vitest';

const seen = vi.hoisted(() => ({ mkdirs: 0, rms: 0 }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const mkdirSync = ((...args: Parameters<typeof fs.mkdirSync>) => {
    seen.mkdirs++;
    return fs.mkdirSync(...args);
  }) as typeof fs.mkdirSync;
  const rm = ((...args: Parameters<typeof fs.promises.rm>) => {
    seen.rms++;
    return fs.promises.rm(...args);
  }) as typeof fs.promises.rm;
  const promises = { ...fs.promises, rm };
  return { ...fs, default: { ...fs, mkdirSync, promises }, mkdirSync, promises };
});

const { existsSync, readdirSync, rmSync } = await import('node:fs');
const path = await import('node:path');
const { createNotifier } = await import('../../src/notify/dispatcher.js');
const { systemClock } = await import('../../src/platform/clock.js');
const { Redactor } = await import('../../src/observe/redact.js');
const { Receiver } = await import('./receiver.js');
const { config, event, removeDir, tempStateDir } = await import('./helpers.js');

const BURST = 200;
let stateDir: string | undefined;
let receiver: import('./receiver.js').Receiver | undefined;

afterEach(async () => {
  await receiver?.close();
  if (stateDir) await removeDir(stateDir);
  stateDir = undefined;
});

describe('the fs calls of a burst of alerts', () => {
  it('makes the channel folder once, not per alert, and removes each delivered file once (200 alerts: 200 mkdirs, 200 second removals)', async () => {
    stateDir = await tempStateDir();
    receiver = await Receiver.start();
    const notifier = createNotifier(config([{ type: 'webhook', name: 'hook', url: `${receiver.base}/webhook/hook` }], { outboxLimit: 10_000 }), {
      stateDir,
      clock: systemClock(),
      redactor: new Redactor(),
    });
    seen.mkdirs = 0;
    seen.rms = 0;
    for (let i = 0; i < BURST; i++) notifier.publish(event({ type: 'service.exited', service: `svc-${i}`, incidentId: undefined }));
    await notifier.flush(60_000);
    expect(receiver.of('webhook')).toHaveLength(BURST);
    expect(readdirSync(path.join(stateDir, 'outbox', 'hook')).filter((f) => f.endsWith('.json') && /^\d/.test(f))).toHaveLength(0);
    expect(seen.mkdirs).toBeLessThan(10);
    expect(seen.rms).toBeLessThan(10);

    // The folder deleted whole (a /tmp cleaner): the next alert makes it again and is spooled there.
    receiver.script(1, 503);
    rmSync(path.join(stateDir, 'outbox', 'hook'), { recursive: true, force: true });
    notifier.publish(event({ type: 'service.exited', service: 'svc-after', incidentId: undefined }));
    expect(readdirSync(path.join(stateDir, 'outbox', 'hook')).filter((f) => /^\d+\.json$/.test(f))).toHaveLength(1);
    await notifier.stop();
    expect(existsSync(path.join(stateDir, 'outbox', 'hook'))).toBe(true);
  }, 90_000);
});
