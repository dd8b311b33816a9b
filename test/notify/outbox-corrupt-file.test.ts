// One unreadable file in the outbox (a torn write, a disk error) costs that alert only: the others are delivered in
// order, the bad one is kept aside as evidence, and a person is warned that an alert will not be sent.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, truncateSync } from 'node:fs';
import path from 'node:path';
import { createNotifier, type Notifier } from '../../src/notify/dispatcher.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import { Receiver } from './receiver.js';
import { config, event, logCollector, removeDir, tempStateDir } from './helpers.js';

describe('outbox with an unreadable file', () => {
  let receiver: Receiver;
  let dir: string;
  const notifiers: Notifier[] = [];
  beforeEach(async () => {
    receiver = await Receiver.start();
    dir = await tempStateDir();
  });
  afterEach(async () => {
    await Promise.all(notifiers.splice(0).map((n) => n.stop()));
    await receiver.close();
    await removeDir(dir);
  });

  it('delivers the readable alerts in order, keeps the bad file aside and warns about the alert it cannot send', async () => {
    const cfg = config([{ type: 'webhook', url: `${receiver.base}/webhook/a` }]);
    const first = createNotifier(cfg, { stateDir: dir, clock: systemClock(), redactor: new Redactor() });
    notifiers.push(first);
    await receiver.down();
    for (let i = 0; i < 3; i++) first.publish(event({ incidentId: `inc-${i}`, message: `spooled ${i}` }));
    await first.stop();
    const box = path.join(dir, 'outbox', 'webhook');
    const files = readdirSync(box).filter((f) => f.endsWith('.json')).sort();
    expect(files).toHaveLength(3);
    const torn = path.join(box, files[1]!);
    truncateSync(torn, Math.floor(readFileSync(torn).length / 2));

    await receiver.up();
    const logs = logCollector();
    const warnings = logCollector();
    const second = createNotifier(cfg, { stateDir: dir, clock: systemClock(), redactor: new Redactor(), log: logs.log, warn: warnings.log });
    notifiers.push(second);
    await receiver.waitFor(() => receiver.of('webhook').length >= 2, 15_000, 'the two readable alerts');
    await second.flush(5_000);
    expect(receiver.of('webhook').map((m) => /spooled (\d)/.exec(m.text)?.[1])).toEqual(['0', '2']);
    expect(existsSync(`${torn}.corrupt`)).toBe(true);
    // Before: an info line only, among the routine ones.
    expect(warnings.lines.filter((l) => l.includes('could not be read and will not be sent') && l.includes(`${torn}.corrupt`))).toHaveLength(1);
  }, 40_000);
});
