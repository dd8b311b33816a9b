// Alerts queued while the disk under the outbox was full (held in memory) are written to the outbox once it has room
// again: a daemon that stops or is killed later must not lose them (real tmpfs, real loopback endpoint).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { createNotifier, type Notifier } from '../../src/notify/dispatcher.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import { Receiver } from './receiver.js';
import { config, event, logCollector } from './helpers.js';
import { mountSmallDisk, type SmallDisk } from '../helpers/tmpfs.js';

describe('outbox after a full disk', () => {
  let receiver: Receiver;
  let disk: SmallDisk;
  const notifiers: Notifier[] = [];
  beforeEach(async () => {
    receiver = await Receiver.start();
    disk = mountSmallDisk('1m');
  });
  afterEach(async () => {
    await Promise.all(notifiers.splice(0).map((n) => n.stop()));
    await receiver.close();
    disk.free();
    disk.unmount();
  });

  const spooled = (): string[] => {
    try {
      return readdirSync(path.join(disk.dir, 'outbox', 'webhook')).filter((f) => f.endsWith('.json'));
    } catch {
      return [];
    }
  };

  it('the alerts held in memory are spooled once the disk has room, and the next start delivers them', async () => {
    const cfg = config([{ type: 'webhook', url: `${receiver.base}/webhook/a` }]);
    const logs = logCollector();
    const first = createNotifier(cfg, { stateDir: disk.dir, clock: systemClock(), redactor: new Redactor(), log: logs.log, warn: logs.log });
    notifiers.push(first);
    await receiver.down(); // the endpoint is down too: the alerts wait
    disk.fill();
    for (let i = 0; i < 3; i++) first.publish(event({ incidentId: `inc-${i}`, message: `queued on a full disk ${i}` }));
    expect(logs.lines.filter((l) => l.includes('could not write the outbox'))).toHaveLength(1);
    expect(spooled()).toEqual([]);
    disk.free();
    // No new alert comes: the retries alone (backoff 50..300 ms) must find the room.
    const deadline = Date.now() + 10_000;
    while (spooled().length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    // Before the fix: [] for ever; the three alerts lived in memory only.
    expect(spooled()).toHaveLength(3);
    expect(logs.lines.some((l) => l.includes('the outbox is writable again'))).toBe(true);
    await first.stop();

    // The next daemon (after a stop, a crash or a kill) delivers them, in order.
    await receiver.up();
    const second = createNotifier(cfg, { stateDir: disk.dir, clock: systemClock(), redactor: new Redactor() });
    notifiers.push(second);
    await receiver.waitFor(() => receiver.of('webhook').length >= 3, 15_000, 'the three alerts after the restart');
    expect(receiver.of('webhook').map((m) => /queued on a full disk (\d)/.exec(m.text)?.[1])).toEqual(['0', '1', '2']);
    await second.flush(5_000);
    expect(spooled()).toEqual([]);
  }, 40_000);
});
