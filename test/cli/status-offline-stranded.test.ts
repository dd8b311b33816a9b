// `clawback status` with no daemon said of the 23 alerts kept for hookA (a channel a reload removed) "not sent while the
// daemon is not running; sent once the daemon runs again": no start sends them while no channel is named hookA. It says
// what happens to them (kept until a channel of that name returns, or `notify discard`), and a discard is heard.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createNotifier, type Notifier } from '../../src/notify/dispatcher.js';
import type { NotifyConfig } from '../../src/notify/notify-schema.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import { Receiver } from '../notify/receiver.js';
import { config, event, removeDir, tempStateDir } from '../notify/helpers.js';

describe('status without a daemon, alerts kept for a removed channel', () => {
  let receiver: Receiver | undefined;
  let dir: string | undefined;
  const notifiers: Notifier[] = [];
  afterEach(async () => {
    await Promise.all(notifiers.splice(0).map((n) => n.stop()));
    await receiver?.close();
    receiver = undefined;
    if (dir) await removeDir(dir);
    dir = undefined;
  });

  it('says they wait for a channel of that name or a discard, not for the next start', async () => {
    receiver = await Receiver.start();
    const r = receiver;
    dir = await tempStateDir();
    const stateDir = dir;
    const start = (cfg: NotifyConfig): Notifier => {
      const n = createNotifier(cfg, { stateDir, clock: systemClock(), redactor: new Redactor(), log: () => undefined, warn: () => undefined });
      notifiers.push(n);
      return n;
    };
    const folder = path.join(stateDir, 'outbox', 'hook+a');
    const onDisk = (): number => (existsSync(folder) ? readdirSync(folder).filter((f) => /^\d+\.json$/.test(f)).length : 0);
    // hookA is down: three alerts stay on disk; then a daemon runs with hookB only (hookA removed) and stops.
    await r.down();
    const first = start(config([{ type: 'webhook', name: 'hookA', url: `${r.base}/webhook/a` }]));
    for (const m of ['one', 'two', 'three']) first.publish(event({ message: m }));
    await r.waitFor(() => onDisk() >= 3, 10_000, 'three alerts spooled for hookA');
    await first.stop();
    await r.up();
    const second = start(config([{ type: 'webhook', name: 'hookB', url: `${r.base}/webhook/b` }]));
    expect(second.stranded()).toEqual({ hookA: 3 });
    await second.stop();

    const cli = await runCli(['status', '--state-dir', stateDir]);
    expect(cli.code).toBe(3);
    const line = cli.stderr.split('\n').find((l) => l.startsWith('ALERTS NOT DELIVERED: ')) ?? '';
    expect(line).toContain('3 alert(s) for hookA are kept on disk');
    expect(line).not.toContain('sent once the daemon runs again');
    expect(line).toContain('not sent while the daemon is not running, nor by a start alone');
    expect(line).toContain('name a channel "hookA" again to deliver them, or `clawback notify discard hookA` drops them');

    // Discarded by a person: nothing is said of hookA any more.
    const third = start(config([{ type: 'webhook', name: 'hookB', url: `${r.base}/webhook/b` }]));
    expect(third.discardDeadLetters('hookA')).toBe(3);
    await third.stop();
    await r.waitFor(() => onDisk() === 0, 10_000, 'the discarded files removed');
    expect((await runCli(['status', '--state-dir', stateDir])).stderr).not.toContain('hookA');
  }, 60_000);
});
