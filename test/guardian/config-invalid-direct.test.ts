// The guardian run by cron (no systemd unit, no launchd job) starts the daemon directly. On a config that does not load,
// it started one every pass all the same: each exited 78 at once (a node start and a daemon.out.log entry a minute,
// for a file only a person can fix), and the report and the alert said the loader's message three times (the daemon's
// exit, its output, probeServices failing on the same file). The daemon started directly loads the file as the guardian
// does: the guardian now leaves it down while the file does not load, says why once, and starts it once it is fixed.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { FIXTURES, NODE, markServices, tempDir } from '../helpers/daemon.js';
import { runCli } from '../helpers/cli.js';
import { isAlive, waitFor } from '../helpers/processes.js';

const cleanup: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

interface Report {
  outcome: string;
  configInvalid?: string;
  restartedVia?: string;
  daemonExit?: unknown;
  probedServices: boolean;
  actions: string[];
  errors: string[];
  after?: { pid: number };
}

describe('the cron guardian and a config that does not load', () => {
  it('starts no daemon while the file does not load, says why once, and starts it once the file is fixed', async () => {
    const dir = tempDir('clawback-config-invalid-direct-');
    const home = path.join(dir, 'home'); // no unit or plist here: the guardian runs as the cron job does
    mkdirSync(home);
    const stateDir = path.join(dir, 'state');
    const configPath = path.join(dir, 'clawback.yaml');
    const good = markServices({ api: { port: 0 }, services: [{ name: 'sl', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] });
    writeFileSync(configPath, YAML.stringify({ ...good, services: [{ name: 'sl', command: 42 }] }));
    const guardian = async (): Promise<Report> => {
      const g = await runCli(['guardian', '--once', '--config', configPath, '--state-dir', stateDir], { env: { HOME: home }, timeoutMs: 40_000 });
      return JSON.parse(g.stdout) as Report;
    };

    for (let pass = 1; pass <= 2; pass++) {
      const r = await guardian();
      expect(r.outcome).toBe('daemon-down');
      expect(r.configInvalid).toMatch(/services\[0\]\.command/);
      expect(r.restartedVia, `pass ${pass} started a daemon bound to exit 78`).toBeUndefined();
      expect(r.daemonExit).toBeUndefined();
      expect(r.probedServices).toBe(false);
      expect(r.errors.join('\n')).not.toMatch(/invalid config/);
    }
    // No daemon ran: nothing appended to its output log.
    expect(existsSync(path.join(stateDir, 'logs', 'daemon.out.log'))).toBe(false);
    // What the person is told (queued for the journal as sent) names the field once.
    const said = readFileSync(path.join(stateDir, 'pending-events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; message: string });
    expect(said.map((e) => e.type)).toEqual(['daemon.crashed']);
    expect(said[0]!.message.match(/services\[0\]\.command/g)).toHaveLength(1);

    // Fixed: the next pass starts the daemon.
    writeFileSync(configPath, YAML.stringify(good));
    const revived = await guardian();
    const pid = revived.after?.pid;
    if (pid) {
      cleanup.push(async () => {
        process.kill(pid, 'SIGINT'); // the daemon stops its service and exits
        await waitFor(() => !isAlive(pid) || undefined, { timeoutMs: 20_000, intervalMs: 100 }).catch(() => process.kill(pid, 'SIGKILL'));
      });
    }
    expect(revived.outcome, revived.actions.join('\n')).toBe('revived');
    expect(revived.restartedVia).toBe('direct');
  }, 90_000);
});
