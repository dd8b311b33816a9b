// After `clawback notify discard hookA` (a removed channel's kept alerts dropped), `status --json` still listed
// `stranded: {hookA: 0}` with its why, as if hookA held something; a release left `{ops: 0}` the same way. An emptied
// channel is no longer listed.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createNotifier, type Notifier } from '../../src/notify/dispatcher.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import type { NotifyConfig } from '../../src/notify/notify-schema.js';
import { config, event, receiverPerTest } from './helpers.js';

describe('a stranded channel emptied by a person', () => {
  const h = receiverPerTest();
  const start = (cfg: NotifyConfig): Notifier => {
    const n = createNotifier(cfg, { stateDir: h.stateDir, clock: systemClock(), redactor: new Redactor() });
    h.notifiers.push(n);
    return n;
  };
  const spooled = (folder: string): number => {
    try {
      return readdirSync(path.join(h.stateDir, 'outbox', folder)).filter((f) => /^\d+\.json$/.test(f)).length;
    } catch {
      return 0;
    }
  };
  /** Two alerts left on disk for a channel `hookA` sending to /webhook/a, while its receiver is down. */
  const leaveTwo = async (): Promise<void> => {
    await h.receiver.down();
    const first = start(config([{ type: 'webhook', name: 'hookA', url: `${h.receiver.base}/webhook/a` }]));
    for (const m of ['one', 'two']) first.publish(event({ message: m }));
    await h.receiver.waitFor(() => spooled('hook+a') >= 2, 10_000, 'two alerts spooled for hookA');
    await first.stop();
    await h.receiver.up();
  };

  it('is gone from stranded() once its alerts are discarded (was {hookA: 0})', async () => {
    await leaveTwo();
    const n = start(config([{ type: 'webhook', name: 'hookB', url: `${h.receiver.base}/webhook/b` }]));
    expect(n.stranded()).toEqual({ hookA: 2 });
    expect(n.strandedWhy()).toEqual({ hookA: 'removed' });
    expect(n.discardDeadLetters('hookA')).toBe(2);
    expect(n.stranded()).toEqual({});
    expect(n.strandedWhy()).toEqual({});
    expect(n.undelivered()).toEqual({});
    expect(n.outboxDepth()).toBe(0);
  });

  it('is gone from stranded() once its alerts are released to where it sends now (was {hookA: 0})', async () => {
    await leaveTwo();
    // Same name, another URL: the two are kept as queued for another destination until released.
    const n = start(config([{ type: 'webhook', name: 'hookA', url: `${h.receiver.base}/webhook/moved` }]));
    expect(n.stranded()).toEqual({ hookA: 2 });
    expect(n.strandedWhy()).toEqual({ hookA: 'moved' });
    expect(n.releaseStranded('hookA')?.alerts).toBe(2);
    expect(n.stranded()).toEqual({});
    expect(n.strandedWhy()).toEqual({});
    await h.receiver.waitFor(() => h.receiver.of('webhook').filter((m) => m.path === '/webhook/moved').length >= 2, 10_000, 'the released alerts');
  });
});
