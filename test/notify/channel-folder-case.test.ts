// Channel names differing only in case ("Ops", "ops") are distinct channels, but shared one outbox folder on a
// case-insensitive disk (macOS): their folders must differ in more than case, and an older version's folder still works.
import { beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createNotifier, type Notifier } from '../../src/notify/dispatcher.js';
import { destinationOf } from '../../src/notify/destination.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import { Receiver } from './receiver.js';
import { config, event, receiversPerTest } from './helpers.js';

describe('outbox folders of channel names differing only in case', () => {
  const bed = receiversPerTest(2);
  const notifiers = bed.notifiers;
  let big: Receiver;
  let small: Receiver;
  let dir: string;
  beforeEach(() => {
    [big, small] = bed.receivers as [Receiver, Receiver];
    dir = bed.stateDir;
  });

  const cfgOf = () =>
    config([
      { type: 'webhook', name: 'Ops', url: `${big.base}/webhook/big` },
      { type: 'webhook', name: 'ops', url: `${small.base}/webhook/small` },
    ]);
  const start = (): Notifier => {
    const n = createNotifier(cfgOf(), { stateDir: dir, clock: systemClock(), redactor: new Redactor() });
    notifiers.push(n);
    return n;
  };

  it('spools them in folders whose names differ in more than case, and each gets its own alerts', async () => {
    await big.down();
    await small.down();
    const first = start();
    first.publish(event({ incidentId: 'inc-1', message: 'spooled while both were down' }));
    await first.stop();
    const folders = readdirSync(path.join(dir, 'outbox')).filter((f) => !f.endsWith('.json'));
    expect(folders).toHaveLength(2);
    expect(new Set(folders.map((f) => f.toLowerCase())).size).toBe(2);

    await big.up();
    await small.up();
    const second = start();
    await big.waitFor(() => big.of('webhook').length >= 1, 15_000, 'Ops gets its alert');
    await small.waitFor(() => small.of('webhook').length >= 1, 15_000, 'ops gets its alert');
    await second.flush(5_000);
    expect(big.of('webhook').filter((m) => m.text.includes('spooled while both'))).toHaveLength(1);
    expect(small.of('webhook').filter((m) => m.text.includes('spooled while both'))).toHaveLength(1);
  }, 40_000);

  it('delivers what an older version spooled under "Ops" (and in a shared "ops" folder) to Ops only, and tidies the old folder', async () => {
    const cfg = cfgOf();
    const ops = cfg.channels.find((c) => c.name === 'Ops')!;
    const spoolOld = (folder: string, channel: string, seq: number, message: string): void => {
      mkdirSync(path.join(dir, 'outbox', folder), { recursive: true });
      const entry = { v: 1, seq, channel, dest: destinationOf(ops), kind: 'event', event: event({ incidentId: `inc-${seq}`, message }), createdAt: Date.now() };
      writeFileSync(path.join(dir, 'outbox', folder, `${String(seq).padStart(12, '0')}.json`), JSON.stringify(entry));
    };
    spoolOld('Ops', 'Ops', 1, 'old alert in the Ops folder');
    spoolOld('ops', 'Ops', 2, 'old alert of Ops in the shared folder');
    const n = start();
    await big.waitFor(() => big.of('webhook').length >= 2, 15_000, 'both old alerts of Ops');
    await n.flush(5_000);
    expect(big.of('webhook').map((m) => /old alert[^"]*/.exec(m.text)?.[0])).toEqual(['old alert in the Ops folder', 'old alert of Ops in the shared folder']);
    expect(small.of('webhook')).toHaveLength(0);
    expect(existsSync(path.join(dir, 'outbox', 'Ops'))).toBe(false);
    expect(n.stranded()).toEqual({});
  }, 40_000);
});
