// Small alerts held in memory behind a big one that still does not fit on a nearly full disk are written as soon as
// they fit: before, the rewrite stopped at the big one and they stayed memory-only (lost if the daemon died).
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createNotifier } from '../../src/notify/dispatcher.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import { config, event, receiverOnSmallDisk } from './helpers.js';

describe('alerts held in memory behind one that does not fit', () => {
  const bed = receiverOnSmallDisk();
  const spooledText = (): string[] => {
    try {
      const dir = path.join(bed.disk.dir, 'outbox', 'webhook');
      return readdirSync(dir).filter((f) => /^\d+\.json$/.test(f)).map((f) => readFileSync(path.join(dir, f), 'utf8'));
    } catch {
      return [];
    }
  };

  it('the small ones are on disk once they fit, the big one stays held', async () => {
    const cfg = config([{ type: 'webhook', url: `${bed.receiver.base}/webhook/a` }]);
    const n = createNotifier(cfg, { stateDir: bed.disk.dir, clock: systemClock(), redactor: new Redactor(), log: () => {}, warn: () => {} });
    bed.notifiers.push(n);
    await bed.receiver.down(); // the alerts wait
    bed.disk.fill();
    n.publish(event({ incidentId: 'inc-big', message: 'big one', details: { excerpt: 'x'.repeat(300_000) } }));
    n.publish(event({ incidentId: 'inc-small', message: 'small one behind it' }));
    expect(spooledText()).toEqual([]);
    bed.disk.free();
    bed.disk.fill(64 * 1024); // room for a small alert, not for the 300 KB one
    const deadline = Date.now() + 15_000;
    while (!spooledText().some((t) => t.includes('small one behind it')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    // Before the fix: never written; the retries stopped at the big alert each time.
    expect(spooledText().some((t) => t.includes('small one behind it'))).toBe(true);
    expect(spooledText().some((t) => t.includes('big one'))).toBe(false);
  }, 40_000);
});
