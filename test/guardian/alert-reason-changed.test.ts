// The guardian said "could not revive" once an hour whatever the reason became: a person who fixed the config (exit 78)
// heard nothing when the daemon then died at every start (SIGKILLed, as by the OOM killer) for up to an hour. A reason
// of a new kind is said at once; the same kind again is not said again within the hour.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { FIXTURES, NODE, markServices, tempDir } from '../helpers/daemon.js';
import { runCli } from '../helpers/cli.js';
import { isAlive } from '../helpers/processes.js';
import { freePort } from '../helpers/ports.js';
import { Receiver } from '../notify/receiver.js';
import { START_ATTEMPTS_FILE } from '../../src/daemon/start-attempts.js';

// Preloaded into the real daemon: SIGKILLs it as soon as its own start note is written, as an OOM kill at start would.
const KILLER = `
const fs = require('fs'), path = require('path');
if (process.argv.includes('run')) {
  const dir = process.argv[process.argv.indexOf('--state-dir') + 1];
  setInterval(() => { try { if (JSON.parse(fs.readFileSync(path.join(dir, '${START_ATTEMPTS_FILE}'), 'utf8')).pid === process.pid) process.kill(process.pid, 'SIGKILL'); } catch {} }, 2).unref();
}
`;

const cleanup: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

interface Report {
  outcome: string;
  actions: string[];
}

describe('the guardian alert when the reason changes', () => {
  it('says a new kind of reason at once (exit 78 fixed, then SIGKILL at start), and the same kind not again', async () => {
    const receiver = await Receiver.start();
    cleanup.push(() => receiver.close());
    const dir = tempDir('clawback-guardian-reason-');
    const stateDir = path.join(dir, 'state');
    const configPath = path.join(dir, 'clawback.yaml');
    const killer = path.join(dir, 'die-at-start.cjs');
    writeFileSync(killer, KILLER);
    const good = markServices({
      api: { port: await freePort() },
      notify: { channels: [{ type: 'webhook', url: `${receiver.base}/webhook/a` }] },
      services: [{ name: 'sl', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }],
    });
    cleanup.push(() => {
      // The services the guardian started directly while no daemon could start.
      try {
        const pid = (JSON.parse(readFileSync(path.join(stateDir, 'state.json'), 'utf8')) as { services: Record<string, { record: { instance: { pid: number } | null } }> }).services.sl?.record.instance?.pid;
        if (pid && isAlive(pid)) process.kill(pid, 'SIGKILL');
      } catch {
        // none was started
      }
    });
    const guardian = async (env: Record<string, string> = {}): Promise<Report> => {
      const g = await runCli(['guardian', '--once', '--json', '--config', configPath, '--state-dir', stateDir], { env: { HOME: path.join(dir, 'home'), ...env }, timeoutMs: 90_000 });
      return JSON.parse(g.stdout) as Report;
    };
    const crashed = () => receiver.posts('webhook').filter((m) => (m.json as { type?: string }).type === 'daemon.crashed');

    writeFileSync(configPath, YAML.stringify({ ...good, services: [{ name: 'sl', command: 42 }] }));
    expect((await guardian()).outcome).toBe('daemon-down');
    expect(crashed()).toHaveLength(1);
    expect(crashed()[0]!.text).toMatch(/exit 78/);

    // The person fixes the config; now each start is SIGKILLed.
    writeFileSync(configPath, YAML.stringify(good));
    const second = await guardian({ NODE_OPTIONS: `--require ${killer}` });
    expect(second.outcome, second.actions.join('\n')).toBe('daemon-down');
    await receiver.waitFor(() => crashed().length === 2, 15_000, 'the alert of the new reason');
    expect(crashed()[1]!.text).toMatch(/killed by SIGKILL/);
    expect(crashed()[1]!.text).toMatch(/the reason changed/);

    // The same reason again within the hour: not said again.
    expect((await guardian({ NODE_OPTIONS: `--require ${killer}` })).outcome).toBe('daemon-down');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(crashed()).toHaveLength(2);
  }, 300_000);
});
