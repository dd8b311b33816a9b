// A daemon that cannot be revived while its state dir is full (ENOSPC): guardian-alert.json cannot be written there, and
// every pass said "daemon crashed" again (3 passes = 3 webhooks, 60 an hour under cron). The guardian remembers its last
// alert in a private per-user dir outside the state dir instead: said once, as on a disk with room.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import YAML from 'yaml';
import { FIXTURES, NODE, markServices, tempDir } from '../helpers/daemon.js';
import { runCli } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';
import { killTree, pidRef, processesWithArgs } from '../helpers/processes.js';
import { mountSmallDisk, type SmallDisk } from '../helpers/tmpfs.js';
import { Receiver } from '../notify/receiver.js';

let disk: SmallDisk;
beforeAll(() => {
  disk = mountSmallDisk('2m');
});
afterAll(() => {
  disk?.free();
  disk?.unmount();
});

let receiver: Receiver | undefined;
let holder: net.Server | undefined;
let tag: string | undefined;
afterEach(async () => {
  // The passes start the service directly (state.json cannot record it on the full disk): end it by its tag.
  for (const pid of tag ? processesWithArgs(tag) : []) killTree(pidRef(pid));
  tag = undefined;
  await receiver?.close();
  receiver = undefined;
  await new Promise<void>((resolve) => (holder ? holder.close(() => resolve()) : resolve()));
  holder = undefined;
});

describe('guardian: the state dir is full', () => {
  it('says "daemon crashed" once over three passes, remembering it outside the full state dir', async () => {
    receiver = await Receiver.start();
    const dir = tempDir('clawback-full-alert-');
    const tmp = path.join(dir, 'tmp');
    mkdirSync(tmp, { mode: 0o700 });
    const configPath = path.join(dir, 'clawback.yaml');
    const port = await freePort();
    tag = `full-alert-${process.pid}-${port}`;
    // The daemon cannot start (its API port is held): the pass ends daemon-down and alerts.
    holder = net.createServer();
    await new Promise<void>((resolve) => holder!.listen(port, '127.0.0.1', resolve));
    writeFileSync(
      configPath,
      YAML.stringify(
        markServices({
          api: { port },
          notify: { channels: [{ type: 'webhook', url: `${receiver.base}/webhook/a` }] },
          services: [{ name: 'sl', command: [NODE, path.join(FIXTURES, 'sleeper.mjs'), tag] }],
        }),
      ),
    );
    const stateDir = path.join(disk.dir, 'state');
    mkdirSync(path.join(stateDir, 'logs'), { recursive: true, mode: 0o700 });
    disk.fill(0);
    const env = { TMPDIR: tmp, XDG_RUNTIME_DIR: '' };
    let first = '';
    for (let pass = 0; pass < 3; pass++) {
      const g = await runCli(['guardian', '--once', '--config', configPath, '--state-dir', stateDir], { timeoutMs: 90_000, env });
      const report = JSON.parse(g.stdout) as { outcome: string; actions: string[]; errors: string[] };
      expect(report.outcome, [...report.actions, ...report.errors].join('\n')).toBe('daemon-down');
      if (pass === 0) first = report.actions.join('\n');
    }
    const posts = () => receiver!.posts('webhook').filter((m) => (m.json as { type?: string }).type === 'daemon.crashed');
    await receiver.waitFor(() => posts().length >= 1, 10_000, 'the guardian alert');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(posts()).toHaveLength(1);
    expect(first).toMatch(/guardian-alert\.json could not be written \(ENOSPC.*remembered in /);
    // The memory is private: a 0700 dir of this user, a 0600 file.
    const kept = path.join(tmp, `clawback-${process.getuid!()}`, 'guardian-alerts');
    expect(statSync(kept).mode & 0o777).toBe(0o700);
    const files = readdirSync(kept);
    expect(files).toHaveLength(1);
    expect(statSync(path.join(kept, files[0]!)).mode & 0o777).toBe(0o600);
  }, 120_000);
});
