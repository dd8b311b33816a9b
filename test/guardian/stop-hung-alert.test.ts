// A stop a person asked for that hung past its bound was said only in the pass's report and guardian.log: the guardian
// leaves such a daemon as it is (its services maybe half stopped, nothing supervising them), and nobody was told. It is
// now alerted through the channels once for that stop, not on every pass, and forgotten quietly once the stop ended.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { FIXTURES, NODE, markServices, tempDir } from '../helpers/daemon.js';
import { runCli } from '../helpers/cli.js';
import { spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';
import { freePort } from '../helpers/ports.js';
import { Receiver } from '../notify/receiver.js';
import { readDaemonInfo } from '../../src/daemon/daemon-info.js';
import { currentBootId } from '../../src/daemon/stopped-marker.js';

const FAKE_DAEMON = fileURLToPath(new URL('./fake-daemon.mjs', import.meta.url));

interface Report {
  outcome: string;
  seen: string;
  actions: string[];
  errors: string[];
}

let receiver: Receiver | undefined;
const children: MarkedChild[] = [];
afterEach(async () => {
  for (const c of children) c.kill();
  await Promise.all(children.splice(0).map((c) => c.waitForExit(5000).catch(() => undefined)));
  await receiver?.close();
  receiver = undefined;
});

async function guardian(configPath: string, stateDir: string): Promise<Report> {
  const g = await runCli(['guardian', '--once', '--config', configPath, '--state-dir', stateDir], { timeoutMs: 60_000 });
  return JSON.parse(g.stdout) as Report;
}

describe('a stop on purpose that hangs past its bound', () => {
  it.skipIf(currentBootId() === undefined)('is alerted once (not on every pass), the daemon left alone; its end is not said as a recovery', async () => {
    receiver = await Receiver.start();
    const dir = tempDir('clawback-stop-hung-alert-');
    const stateDir = path.join(dir, 'state');
    const configPath = path.join(dir, 'clawback.yaml');
    mkdirSync(stateDir, { recursive: true });
    writeFileSync(
      configPath,
      YAML.stringify(
        markServices({
          api: { port: await freePort() },
          notify: { channels: [{ type: 'webhook', url: `${receiver.base}/webhook/a` }] },
          services: [{ name: 'sl', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }],
        }),
      ),
    );
    // A daemon whose stop, asked for 2 minutes ago in this boot, had a 31 s bound: hung in it.
    const stopping = { since: Date.now() - 120_000, boundMs: 31_000, onPurpose: true, bootId: currentBootId() };
    const daemon = spawnMarked(NODE, [FAKE_DAEMON, stateDir], { env: { FAKE_STOPPING: JSON.stringify(stopping) } });
    children.push(daemon);
    await waitFor(async () => (await readDaemonInfo(stateDir)).info?.pid === daemon.pid || undefined, { timeoutMs: 10_000, message: 'a heartbeat' });
    const posts = () => receiver!.posts('webhook').map((m) => m.json as { type?: string; message?: string });

    const first = await guardian(configPath, stateDir);
    expect(first.seen).toBe('stop-hung');
    expect(first.outcome, first.actions.join('\n')).toBe('stopped');
    expect(daemon.exitInfo()).toBeUndefined();
    await receiver.waitFor(() => posts().length >= 1, 10_000, 'the hung stop alert');
    const said = posts().filter((p) => p.type === 'daemon.degraded');
    expect(said, JSON.stringify(posts())).toHaveLength(1);
    expect(said[0]!.message).toMatch(/hangs in the stop asked for/);
    expect(said[0]!.message).toContain(`kill -KILL ${daemon.pid}`);

    // The next timer ticks while it still hangs: not said again.
    for (let i = 0; i < 2; i++) {
      const again = await guardian(configPath, stateDir);
      expect(again.outcome).toBe('stopped');
    }
    expect(posts(), JSON.stringify(posts())).toHaveLength(1);

    // The person ends it: the stop is over, nothing is said (no "running again"), the record is forgotten.
    daemon.kill();
    await daemon.waitForExit(5000);
    const after = await guardian(configPath, stateDir);
    expect(after.outcome, after.actions.join('\n')).toBe('stopped');
    expect(existsSync(path.join(stateDir, 'guardian-alert.json'))).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(posts(), JSON.stringify(posts())).toHaveLength(1);
  }, 180_000);
});
