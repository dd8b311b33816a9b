// A daemon the guardian starts directly that cannot start (its API port held by another program) must not page on every
// pass: the guardian tells the channels itself, once an hour, with that daemon's output. Before, each daemon it started
// paged "clawback did not start" too: one critical page a minute for as long as the port stayed held.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import YAML from 'yaml';
import { FIXTURES, NODE, markServices, tempDir } from '../helpers/daemon.js';
import { runCli } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';
import { Receiver } from '../notify/receiver.js';

let receiver: Receiver | undefined;
let holder: net.Server | undefined;
let stateDir: string | undefined;
afterEach(async () => {
  // The passes revive the service directly: end it.
  try {
    const state = JSON.parse(readFileSync(path.join(stateDir!, 'state.json'), 'utf8')) as { services: Record<string, { record: { instance: { pid: number } | null } }> };
    for (const s of Object.values(state.services)) if (s.record.instance) process.kill(-s.record.instance.pid, 'SIGKILL');
  } catch {
    // none started
  }
  await receiver?.close();
  receiver = undefined;
  await new Promise<void>((resolve) => (holder ? holder.close(() => resolve()) : resolve()));
  holder = undefined;
});

describe('guardian: a daemon that cannot start', () => {
  it('is paged once by the guardian, not once per pass by each daemon it started; the fault is still journaled', async () => {
    receiver = await Receiver.start();
    const dir = tempDir('clawback-start-fault-');
    stateDir = path.join(dir, 'state');
    const configPath = path.join(dir, 'clawback.yaml');
    const port = await freePort();
    holder = net.createServer();
    await new Promise<void>((resolve) => holder!.listen(port, '127.0.0.1', resolve));
    writeFileSync(
      configPath,
      YAML.stringify(
        markServices({
          api: { port },
          notify: { channels: [{ type: 'webhook', url: `${receiver.base}/webhook/a` }] },
          services: [{ name: 'sl', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }],
        }),
      ),
    );
    for (let pass = 0; pass < 3; pass++) {
      const g = await runCli(['guardian', '--once', '--config', configPath, '--state-dir', stateDir], { timeoutMs: 90_000 });
      const report = JSON.parse(g.stdout) as { outcome: string; actions: string[] };
      expect(report.outcome, report.actions.join('\n')).toBe('daemon-down');
    }
    const posts = (type: string) => receiver!.posts('webhook').filter((m) => (m.json as { type?: string }).type === type);
    await receiver.waitFor(() => posts('daemon.crashed').length === 1, 10_000, 'the guardian alert');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(posts('daemon.crashed')).toHaveLength(1);
    expect(posts('daemon.crashed')[0]!.text).toMatch(/already in use/);
    expect(posts('daemon.fault').map((m) => m.text.slice(0, 200))).toEqual([]);
    // Journaled all the same, by each daemon that could not start.
    const journal = readFileSync(path.join(stateDir, 'journal.jsonl'), 'utf8');
    expect(journal.split('\n').filter((l) => l.includes('"daemon.fault"') && l.includes('did not start')).length).toBe(3);
  }, 300_000);
});
