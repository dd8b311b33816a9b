// A storm of alerts must not stall or starve the daemon: no fsync on the event loop per publish, and a bounded number of
// descriptors (and thread-pool slots) for making the spooled alerts durable. Counted at the edge: node:fs is wrapped.
import { afterEach, describe, expect, it, vi } from 'vitest';

const seen = vi.hoisted(() => ({ fsyncSync: 0, open: 0, maxOpen: 0, syncs: 0 }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const fsyncSync = ((fd: number) => {
    seen.fsyncSync++;
    fs.fsyncSync(fd);
  }) as typeof fs.fsyncSync;
  const open = (async (...args: Parameters<typeof fs.promises.open>) => {
    const handle = await fs.promises.open(...args);
    seen.open++;
    seen.maxOpen = Math.max(seen.maxOpen, seen.open);
    const close = handle.close.bind(handle);
    const sync = handle.sync.bind(handle);
    Object.assign(handle, {
      close: async () => {
        seen.open--;
        return close();
      },
      sync: async () => {
        seen.syncs++;
        return sync();
      },
    });
    return handle;
  }) as typeof fs.promises.open;
  const promises = { ...fs.promises, open };
  return { ...fs, default: { ...fs, fsyncSync, promises }, fsyncSync, promises };
});

const { readdirSync } = await import('node:fs');
const net = await import('node:net');
const path = await import('node:path');
const { createNotifier } = await import('../../src/notify/dispatcher.js');
const { systemClock } = await import('../../src/platform/clock.js');
const { Redactor } = await import('../../src/observe/redact.js');
const { config, event, removeDir, tempStateDir } = await import('./helpers.js');

/** A loopback port nobody listens on: every delivery fails at once, so the whole burst stays spooled. */
async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as import('node:net').AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

const BURST = 300;
let stateDir: string | undefined;

afterEach(async () => {
  if (stateDir) await removeDir(stateDir);
  stateDir = undefined;
});

async function burst(outboxLimit = 10_000): Promise<{ syncOnLoop: number; files: number }> {
  stateDir = await tempStateDir();
  const port = await closedPort();
  const cfg = config([{ type: 'webhook', name: 'hook', url: `http://127.0.0.1:${port}/hook` }], { outboxLimit, backoff: { initial: 60_000, max: 60_000 } });
  const notifier = createNotifier(cfg, { stateDir, clock: systemClock(), redactor: new Redactor() });
  Object.assign(seen, { fsyncSync: 0, open: 0, maxOpen: 0, syncs: 0 });
  // One synchronous storm, as when a bus replays many events in one turn.
  for (let i = 0; i < BURST; i++) notifier.publish(event({ type: 'service.exited', service: `svc-${i}`, incidentId: undefined }));
  const syncOnLoop = seen.fsyncSync;
  // stop() waits for every spooled alert to be made durable.
  await notifier.stop();
  const files = readdirSync(path.join(stateDir, 'outbox', 'hook')).filter((f) => f.endsWith('.json')).length;
  return { syncOnLoop, files };
}

describe('a burst of alerts', () => {
  it('spools every alert without an fsync on the event loop (durable: false was ignored: two fsyncs per publish)', async () => {
    const { syncOnLoop, files } = await burst();
    expect(files).toBe(BURST);
    expect(syncOnLoop).toBe(0);
  });

  it('makes every spooled alert durable with a bounded number of open descriptors (one per alert before)', async () => {
    const { files } = await burst();
    expect(files).toBe(BURST);
    // Every alert's file was fsynced (its directory too, once per batch) ...
    expect(seen.syncs).toBeGreaterThanOrEqual(BURST);
    // ... one at a time: no EMFILE for the daemon's probes, journal and API while a storm is spooled.
    expect(seen.maxOpen).toBeLessThanOrEqual(2);
    expect(seen.open).toBe(0);
  });

  it('past outboxLimit, the flood summary rewritten once per folded alert is fsynced once per batch, not once per alert', async () => {
    const { files } = await burst(10);
    // 10 alerts and the one summary they are folded into.
    expect(files).toBe(11);
    expect(seen.syncs).toBeGreaterThanOrEqual(11);
    // 290 rewrites of the summary in one turn: one fsync is enough (one per rewrite before).
    expect(seen.syncs).toBeLessThan(30);
  });
});
