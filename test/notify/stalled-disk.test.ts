// A stalled disk (a hung NFS or FUSE mount, a dying SD card) must not hold a page back nor hang the shutdown: the alert
// files are written before publish returns; only their fsync stalls. The fsync is made to hang at the fs edge.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Receiver as ReceiverType } from './receiver.js';

const disk = vi.hoisted(() => ({ stalled: false, held: [] as Array<() => void> }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const open = (async (...args: Parameters<typeof fs.promises.open>) => {
    const handle = await fs.promises.open(...args);
    const sync = handle.sync.bind(handle);
    Object.assign(handle, {
      sync: async () => {
        if (disk.stalled) await new Promise<void>((resolve) => disk.held.push(resolve));
        return sync();
      },
    });
    return handle;
  }) as typeof fs.promises.open;
  const promises = { ...fs.promises, open };
  return { ...fs, default: { ...fs, promises }, promises };
});

const { readdirSync } = await import('node:fs');
const path = await import('node:path');
const { createNotifier } = await import('../../src/notify/dispatcher.js');
const { systemClock } = await import('../../src/platform/clock.js');
const { Redactor } = await import('../../src/observe/redact.js');
const { Receiver } = await import('./receiver.js');
const { config, event, logCollector, removeDir, tempStateDir } = await import('./helpers.js');

let receiver: ReceiverType | undefined;
let stateDir: string | undefined;
const stops: Array<() => Promise<void>> = [];

afterEach(async () => {
  // The disk comes back: every held fsync finishes (no descriptor left open), then everything is stopped.
  disk.stalled = false;
  for (const release of disk.held.splice(0)) release();
  await Promise.all(stops.splice(0).map((s) => s()));
  await receiver?.close();
  if (stateDir) await removeDir(stateDir);
  receiver = undefined;
  stateDir = undefined;
});

const BACKLOG = 40;

async function stalledNotifier(endpoint: 'up' | 'down'): Promise<{ notifier: ReturnType<typeof createNotifier>; lines: string[] }> {
  receiver = await Receiver.start();
  if (endpoint === 'down') await receiver.down();
  stateDir = await tempStateDir();
  const logs = logCollector();
  const cfg = config([{ type: 'discord', url: `${receiver.base}/discord/1234/tok` }], { outboxLimit: 1000 });
  const notifier = createNotifier(cfg, { stateDir, clock: systemClock(), redactor: new Redactor(), log: logs.log });
  stops.push(() => notifier.stop());
  disk.stalled = true;
  for (let i = 0; i < BACKLOG; i++) notifier.publish(event({ type: 'service.exited', severity: 'warning', level: undefined, service: `svc-${i}`, incidentId: undefined, message: `svc-${i} exited` }));
  notifier.publish(event({ type: 'incident.escalated', severity: 'critical', level: 4, service: 'gateway', incidentId: 'inc-9', message: 'gateway: human needed (PAGE)' }));
  return { notifier, lines: logs.lines };
}

describe('a stalled disk', () => {
  it('does not hold a page back behind the fsyncs of the alerts spooled before it (it waited for ever)', async () => {
    await stalledNotifier('up');
    await receiver!.waitFor(() => receiver!.of('discord').some((m) => m.text.includes('PAGE')), 5000, 'the page');
    // The page went first (pages overtake the backlog), while no fsync had finished.
    expect(receiver!.of('discord').findIndex((m) => m.text.includes('PAGE'))).toBeLessThanOrEqual(1);
    expect(disk.held.length).toBeGreaterThan(0);
  });

  it('does not hang stop(): it returns within its bound, says so, and every alert file stays on disk', async () => {
    // The endpoint is down: the whole backlog stays spooled.
    const { notifier, lines } = await stalledNotifier('down');
    const started = Date.now();
    const outcome = await Promise.race([
      notifier.stop().then(() => 'returned'),
      new Promise<string>((resolve) => setTimeout(() => resolve('still waiting'), 9000)),
    ]);
    expect(outcome).toBe('returned');
    expect(Date.now() - started).toBeLessThan(8000);
    expect(lines.some((l) => l.includes('stopped without waiting longer for the disk'))).toBe(true);
    // Written before publish returned: a daemon stopped on a stalled disk loses none of them.
    const files = readdirSync(path.join(stateDir!, 'outbox', 'discord')).filter((f) => /^\d+\.json$/.test(f));
    expect(files).toHaveLength(BACKLOG + 1);
  }, 15_000);
});
