// A daemon that dies at every start (killed, out of memory while it starts) was started again by each guardian pass
// for ever, each start dying again (8 passes: 8 starts, start-attempts.json counting 8). The guardian now reads that
// count: past GUARDIAN_START_LOOP_ATTEMPTS it starts no daemon, says why (report, alert), keeps the services up
// directly, and starts the daemon again once the note is gone.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { FIXTURES, NODE, markServices, tempDir } from '../helpers/daemon.js';
import { runCli } from '../helpers/cli.js';
import { isAlive, waitFor } from '../helpers/processes.js';
import { GUARDIAN_START_LOOP_ATTEMPTS, START_ATTEMPTS_FILE } from '../../src/daemon/start-attempts.js';

const cleanup: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

interface Report {
  outcome: string;
  startLoop?: { count: number; pid: number; phase: string };
  restartedVia?: string;
  probedServices: boolean;
  actions: string[];
}

// Preloaded into the real daemon: SIGKILLs it as soon as its own start note is written, as an OOM kill at start would.
const KILLER = `
const fs = require('fs'), path = require('path');
if (process.argv.includes('run')) {
  const dir = process.argv[process.argv.indexOf('--state-dir') + 1];
  setInterval(() => { try { if (JSON.parse(fs.readFileSync(path.join(dir, '${START_ATTEMPTS_FILE}'), 'utf8')).pid === process.pid) process.kill(process.pid, 'SIGKILL'); } catch {} }, 2).unref();
}
`;

describe('the guardian and a daemon that dies at every start', () => {
  it('stops starting it past the bound, says so, keeps the services up, and starts it again once the note is removed', async () => {
    const dir = tempDir('clawback-guardian-start-loop-');
    const stateDir = path.join(dir, 'state');
    const configPath = path.join(dir, 'clawback.yaml');
    const killer = path.join(dir, 'die-at-start.cjs');
    writeFileSync(killer, KILLER);
    writeFileSync(configPath, YAML.stringify(markServices({ api: { port: 0 }, services: [{ name: 'sl', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] })));
    cleanup.push(() => {
      try {
        const pid = (JSON.parse(readFileSync(path.join(stateDir, 'state.json'), 'utf8')) as { services: Record<string, { record: { instance: { pid: number } | null } }> }).services.sl?.record.instance?.pid;
        if (pid && isAlive(pid)) process.kill(pid, 'SIGKILL');
      } catch {
        // no service was started
      }
    });
    const guardian = async (): Promise<Report> => {
      const g = await runCli(['guardian', '--once', '--json', '--config', configPath, '--state-dir', stateDir], {
        env: { HOME: path.join(dir, 'home'), NODE_OPTIONS: `--require ${killer}` },
        timeoutMs: 60_000,
      });
      return JSON.parse(g.stdout) as Report;
    };
    const count = (): number => (existsSync(path.join(stateDir, START_ATTEMPTS_FILE)) ? (JSON.parse(readFileSync(path.join(stateDir, START_ATTEMPTS_FILE), 'utf8')) as { count: number }).count : 0);

    for (let pass = 1; pass <= GUARDIAN_START_LOOP_ATTEMPTS; pass++) {
      const r = await guardian();
      expect(r.outcome).toBe('daemon-down');
      expect(r.restartedVia, r.actions.join('\n')).toBe('direct');
      await waitFor(() => count() >= pass || undefined, { timeoutMs: 10_000, intervalMs: 50 });
    }
    expect(count()).toBe(GUARDIAN_START_LOOP_ATTEMPTS);

    // Past the bound: no start, said why, the services kept up directly; and so on every later pass.
    for (let pass = 0; pass < 2; pass++) {
      const r = await guardian();
      expect(r.outcome).toBe('daemon-down');
      expect(r.restartedVia, `a daemon dying at every start was started again:\n${r.actions.join('\n')}`).toBeUndefined();
      expect(r.startLoop?.count).toBe(GUARDIAN_START_LOOP_ATTEMPTS);
      expect(r.actions.join('\n')).toMatch(/last 6 starts of the daemon all died before it started .*not started again/);
      expect(r.probedServices).toBe(true);
    }
    expect(count()).toBe(GUARDIAN_START_LOOP_ATTEMPTS);
    const said = readFileSync(path.join(stateDir, 'pending-events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; message: string });
    expect(said.some((e) => e.type === 'daemon.crashed')).toBe(true);
    // `clawback status` says the guardian gave up and why, not only "start it with run".
    const status = await runCli(['status', '--config', configPath, '--state-dir', stateDir], { env: { HOME: path.join(dir, 'home') } });
    expect(status.code).toBe(3);
    expect(status.stderr).toMatch(/guardian no longer starts it: its last 6 starts all died before it started .*start-attempts\.json/);

    // The person removed the note: the next pass starts the daemon again.
    rmSync(path.join(stateDir, START_ATTEMPTS_FILE));
    const again = await guardian();
    expect(again.restartedVia).toBe('direct');
    expect(again.startLoop).toBeUndefined();
  }, 240_000);
});
