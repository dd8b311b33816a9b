// A regular file where the outbox folder should be (a restore, a person's `touch state/outbox`): mkdir failed with
// EEXIST at every start and every alert: the daemon stayed degraded (alert-spool) for good and spooled nothing. It is
// now moved aside as evidence (named once) and the outbox made again: the alert is spooled, then delivered.
import { describe, expect, it } from 'vitest';
import { lstatSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createNotifier } from '../../src/notify/dispatcher.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import { config, event, receiverPerTest } from './helpers.js';

describe('the outbox folder in an odd shape', () => {
  const bed = receiverPerTest();

  it('a file in its place is moved aside (kept, named once) and alerts are spooled and sent again', async () => {
    const outbox = path.join(bed.stateDir, 'outbox');
    writeFileSync(outbox, 'not a folder\n');
    const warnings: string[] = [];
    const faults: unknown[] = [];
    const n = createNotifier(config([{ type: 'webhook', name: 'hook', url: `${bed.receiver.base}/hook` }]), {
      stateDir: bed.stateDir,
      clock: systemClock(),
      redactor: new Redactor(),
      warn: (msg) => warnings.push(msg),
      onSpoolFault: (err) => faults.push(err),
    });
    bed.notifiers.push(n);
    n.publish(event());
    await n.flush(5_000);

    expect(faults).toEqual([]);
    expect(lstatSync(outbox).isDirectory()).toBe(true);
    const kept = readdirSync(bed.stateDir).filter((f) => f.startsWith('outbox.not-a-dir-'));
    expect(kept).toHaveLength(1);
    expect(readFileSync(path.join(bed.stateDir, kept[0]!), 'utf8')).toBe('not a folder\n');
    const said = warnings.filter((w) => w.includes(path.join(bed.stateDir, kept[0]!)));
    expect(said, warnings.join('\n')).toHaveLength(1);
    expect(bed.receiver.requests.length).toBeGreaterThanOrEqual(1);
  }, 30_000);
});
