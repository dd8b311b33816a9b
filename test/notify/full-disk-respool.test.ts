// Alerts queued while the disk under the outbox was full (held in memory) are written to the outbox once it has room
// again: a daemon that stops or is killed later must not lose them (real tmpfs, real loopback endpoint).
import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { createNotifier } from '../../src/notify/dispatcher.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import { config, event, logCollector, receiverOnSmallDisk } from './helpers.js';

describe('outbox after a full disk', () => {
  const bed = receiverOnSmallDisk();

  const spooled = (): string[] => {
    try {
      return readdirSync(path.join(bed.disk.dir, 'outbox', 'webhook')).filter((f) => f.endsWith('.json'));
    } catch {
      return [];
    }
  };

  it('the alerts held in memory are spooled once the disk has room, and the next start delivers them', async () => {
    const cfg = config([{ type: 'webhook', url: `${bed.receiver.base}/webhook/a` }]);
    const logs = logCollector();
    const first = createNotifier(cfg, { stateDir: bed.disk.dir, clock: systemClock(), redactor: new Redactor(), log: logs.log, warn: logs.log });
    bed.notifiers.push(first);
    await bed.receiver.down(); // the endpoint is down too: the alerts wait
    bed.disk.fill();
    for (let i = 0; i < 3; i++) first.publish(event({ incidentId: `inc-${i}`, message: `queued on a full disk ${i}` }));
    expect(logs.lines.filter((l) => l.includes('could not write the outbox'))).toHaveLength(1);
    expect(spooled()).toEqual([]);
    bed.disk.free();
    // No new alert comes: the retries alone (backoff 50..300 ms) must find the room.
    const deadline = Date.now() + 10_000;
    while (spooled().length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    // Before the fix: [] for ever; the three alerts lived in memory only.
    expect(spooled()).toHaveLength(3);
    expect(logs.lines.some((l) => l.includes('the outbox is writable again'))).toBe(true);
    await first.stop();

    // The next daemon (after a stop, a crash or a kill) delivers them, in order.
    await bed.receiver.up();
    const second = createNotifier(cfg, { stateDir: bed.disk.dir, clock: systemClock(), redactor: new Redactor() });
    bed.notifiers.push(second);
    await bed.receiver.waitFor(() => bed.receiver.of('webhook').length >= 3, 15_000, 'the three alerts after the restart');
    expect(bed.receiver.of('webhook').map((m) => /queued on a full disk (\d)/.exec(m.text)?.[1])).toEqual(['0', '1', '2']);
    await second.flush(5_000);
    expect(spooled()).toEqual([]);
  }, 40_000);
});
