// A regular file where a channel's outbox folder should be (`outbox/hook`, one level below outbox/, or its dead/):
// mkdir failed with EEXIST/ENOTDIR at every alert: the daemon stayed degraded (alert-spool) for good and spooled nothing
// for that channel. It is now moved aside as evidence (named once), the folder made, and the alerts spooled and sent.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createNotifier } from '../../src/notify/dispatcher.js';
import { Outbox } from '../../src/notify/outbox.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import { config, event, receiverPerTest } from './helpers.js';

describe('a channel folder of the outbox in an odd shape', () => {
  const bed = receiverPerTest();

  it('a file in outbox/<channel> is moved aside (kept, named once) and alerts are spooled and sent again', async () => {
    const outbox = path.join(bed.stateDir, 'outbox');
    mkdirSync(outbox, { recursive: true, mode: 0o700 });
    writeFileSync(path.join(outbox, 'hook'), 'not a folder\n');
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
    for (let i = 0; i < 3; i++) n.publish(event({ message: `alert ${i}` }));
    await n.flush(5_000);

    expect(faults).toEqual([]);
    expect(lstatSync(path.join(outbox, 'hook')).isDirectory()).toBe(true);
    const kept = readdirSync(outbox).filter((f) => f.startsWith('hook.not-a-dir-'));
    expect(kept).toHaveLength(1);
    expect(readFileSync(path.join(outbox, kept[0]!), 'utf8')).toBe('not a folder\n');
    const said = warnings.filter((w) => w.includes(path.join(outbox, kept[0]!)));
    expect(said, warnings.join('\n')).toHaveLength(1);
    expect(bed.receiver.requests.length).toBeGreaterThanOrEqual(3);
  }, 30_000);

  it('a FIFO in outbox/<channel>/dead is moved aside when an alert goes dead; the dead letter is kept', async () => {
    const dir = path.join(bed.stateDir, 'outbox');
    mkdirSync(path.join(dir, 'hook'), { recursive: true, mode: 0o700 });
    execFileSync('mkfifo', [path.join(dir, 'hook', 'dead')]);
    const moved: string[] = [];
    const box = new Outbox(dir, { now: () => 1_700_000_000_000, movedAside: (_d, keptAs) => moved.push(keptAs) });
    box.loadSync(1_700_000_000_000);
    const entry = { channel: 'hook', seq: 1, attempts: 3, createdAt: 1, message: { title: 't', body: 'b' } } as unknown as Parameters<Outbox['writeNow']>[0];
    box.writeNow(entry);
    await box.moveToDead(entry, { reason: 'test', at: 2 } as unknown as Parameters<Outbox['moveToDead']>[1]);
    expect(moved).toHaveLength(1);
    expect(lstatSync(moved[0]!).isFIFO()).toBe(true);
    expect(readdirSync(path.join(dir, 'hook', 'dead'))).toEqual(['000000000001.json']);
  });
});
