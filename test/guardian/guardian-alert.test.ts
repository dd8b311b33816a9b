// A daemon the guardian cannot revive must reach a human through the configured channels (the daemon that would deliver
// alerts is the one that is down): once per down spell, not on every timer tick, with why; and once when it is back.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { FIXTURES, NODE, markServices, tempDir } from '../helpers/daemon.js';
import { runCli } from '../helpers/cli.js';
import { isRunning, killTree, pidRef, signalProcess, waitFor, type PidRef } from '../helpers/processes.js';
import { freePort } from '../helpers/ports.js';
import { Receiver } from '../notify/receiver.js';

interface Report {
  outcome: string;
  actions: string[];
  errors: string[];
  daemonExit?: { code: number | null; output?: string };
}

let receiver: Receiver | undefined;
const daemons: PidRef[] = [];
afterEach(async () => {
  for (const ref of daemons.splice(0)) {
    // SIGINT: the daemon stops its services and exits.
    if (!signalProcess(ref, 'SIGINT')) continue;
    await waitFor(() => !isRunning(ref) || undefined, { timeoutMs: 20_000 }).catch(() => killTree(ref));
  }
  await receiver?.close();
  receiver = undefined;
});

async function guardian(configPath: string, stateDir: string): Promise<Report> {
  const g = await runCli(['guardian', '--once', '--config', configPath, '--state-dir', stateDir], { timeoutMs: 60_000 });
  return JSON.parse(g.stdout) as Report;
}

describe('guardian alerts', () => {
  it('a daemon that cannot start (invalid config) is alerted through the webhook once, naming exit 78 and the field, and its return once', async () => {
    receiver = await Receiver.start();
    const dir = tempDir('clawback-guardian-alert-');
    const stateDir = path.join(dir, 'state');
    const configPath = path.join(dir, 'clawback.yaml');
    const good = markServices({
      api: { port: await freePort() },
      notify: { channels: [{ type: 'webhook', url: `${receiver.base}/webhook/a` }] },
      services: [{ name: 'sl', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }],
    });
    // Made invalid while the daemon was down: a daemon started now would exit with code 78 (EX_CONFIG) at once.
    writeFileSync(configPath, YAML.stringify({ ...good, services: [{ name: 'sl', command: 42 }] }));
    const crashed = () => receiver!.posts('webhook').filter((m) => (m.json as { type?: string }).type === 'daemon.crashed');
    const recovered = () => receiver!.posts('webhook').filter((m) => (m.json as { type?: string }).type === 'daemon.recovered');

    const first = await guardian(configPath, stateDir);
    expect(first.outcome).toBe('daemon-down');
    // It did not start a daemon bound to exit 78 (nor wait out the window for a heartbeat).
    expect(first.daemonExit, first.actions.join('\n')).toBeUndefined();
    expect(first.actions.join('\n')).toMatch(/would exit with code 78 \(EX_CONFIG\) at once: not started/);
    expect(crashed()).toHaveLength(1);
    const text = crashed()[0]!.text;
    expect(text).toMatch(/could not revive/);
    expect(text).toMatch(/exit 78/);
    expect(text).toMatch(/services\[0\]\.command/);

    // The next timer tick: still down, not said again.
    const second = await guardian(configPath, stateDir);
    expect(second.outcome).toBe('daemon-down');
    expect(crashed()).toHaveLength(1);
    expect(existsSync(path.join(stateDir, 'guardian-alert.json'))).toBe(true);

    // Fixed: the guardian revives it and says so once.
    writeFileSync(configPath, YAML.stringify(good));
    const third = await guardian(configPath, stateDir);
    const info = JSON.parse(readFileSync(path.join(stateDir, 'daemon.json'), 'utf8')) as { pid: number; pidStartTime?: number | null };
    daemons.push(pidRef(info.pid, info.pidStartTime ?? null));
    expect(third.outcome, third.actions.join('\n')).toBe('revived');
    await receiver.waitFor(() => recovered().length === 1, 10_000, 'the "back" message');
    expect(recovered()[0]!.text).toMatch(/running again/);
    expect(existsSync(path.join(stateDir, 'guardian-alert.json'))).toBe(false);

    const fourth = await guardian(configPath, stateDir);
    expect(fourth.outcome).toBe('ok');

    // Both said things are in the journal (`clawback journal`, the dashboard), journaled by the revived daemon from
    // the guardian's queue; it does not tell the channels a second time.
    const journaled = (type: string) =>
      readFileSync(path.join(stateDir, 'journal.jsonl'), 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as { type: string; message: string; details?: Record<string, unknown> })
        .filter((e) => e.type === type && e.details?.by === 'guardian');
    await waitFor(() => (journaled('daemon.crashed').length === 1 && journaled('daemon.recovered').length === 1) || undefined, { timeoutMs: 10_000, intervalMs: 100 });
    expect(journaled('daemon.crashed')[0]!.message).toMatch(/could not revive/);
    expect(journaled('daemon.recovered')[0]!.message).toMatch(/running again/);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(recovered()).toHaveLength(1);
    expect(crashed()).toHaveLength(1);
  }, 180_000);
});
