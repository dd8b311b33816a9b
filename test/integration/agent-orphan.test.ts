// A daemon that dies while a Level 3 agent works in tmux (killed, or revived by the guardian) leaves the agent's
// session behind: the next daemon must end it before it reverts, or the agent goes on editing the reverted files.
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { NODE, markServices, readJournalFile, tempDir } from '../helpers/daemon.js';
import { CLI } from '../helpers/cli.js';
import { isAlive, spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';
import { freePort } from '../helpers/ports.js';
import { DEMO_GATEWAY_SERVER } from '../helpers/demo.js';

const BIN = fileURLToPath(new URL('../emergency/bin', import.meta.url));
const BROKEN = `${JSON.stringify({ name: 'demo-gateway', host: '127.0.0.1', port: 'oops' }, null, 2)}\n`;

const cleanup: Array<() => void> = [];
afterEach(() => {
  while (cleanup.length) cleanup.pop()!();
});

describe('Level 3 across a daemon crash', () => {
  it('the agent a killed daemon left in tmux is ended by the next daemon before its changes are reverted', async () => {
    const dir = tempDir();
    const svc = path.join(dir, 'svc');
    mkdirSync(svc);
    const cfg = path.join(svc, 'gateway.json');
    writeFileSync(cfg, BROKEN);
    const tmuxDir = path.join(dir, 'tmux');
    mkdirSync(tmuxDir, { mode: 0o700 });
    const pidsFile = path.join(dir, 'agent-pids.json');
    const port = await freePort();
    const config = path.join(dir, 'clawback.yaml');
    writeFileSync(
      config,
      YAML.stringify(
        markServices({
          api: { port: 0 },
          services: [
            {
              name: 'gw',
              command: [NODE, DEMO_GATEWAY_SERVER, '--config', cfg, '--port', String(port)],
              cwd: svc,
              configFile: { path: cfg, format: 'json' },
              probes: [{ kind: 'http', url: `http://127.0.0.1:${port}/health`, interval: '300ms', timeout: '500ms', startupGrace: '5s' }],
              // The fake agent's switches pass through passEnv: a CLI agent gets no other variable of the daemon's env.
              emergency: { adapter: 'claude', timeBox: '5m', verifyWindow: '1s', passEnv: ['FAKE_AGENT_MODE', 'FAKE_AGENT_PIDS_FILE'] },
            },
          ],
        }),
      ),
    );
    const stateDir = path.join(dir, 'state');
    // A private tmux server (its socket under TMUX_TMPDIR), and the fake `claude` first on PATH.
    const env = { TMUX_TMPDIR: tmuxDir, PATH: `${BIN}:${process.env.PATH ?? ''}`, FAKE_AGENT_MODE: 'busy', FAKE_AGENT_PIDS_FILE: pidsFile };
    const tmux = (...args: string[]): string => execFileSync('tmux', ['-L', 'clawback', ...args], { encoding: 'utf8', env: { ...process.env, TMUX_TMPDIR: tmuxDir } });
    cleanup.push(() => {
      try {
        tmux('kill-server');
      } catch {
        // not running
      }
    });
    const start = (): MarkedChild => {
      const d = spawnMarked(NODE, [CLI, 'run', '--config', config, '--state-dir', stateDir], { env });
      cleanup.push(() => d.kill());
      return d;
    };
    const journal = () => readJournalFile(path.join(stateDir, 'journal.jsonl'));

    const first = start();
    await waitFor(() => journal().some((e) => e.type === 'agent.started'), { timeoutMs: 40_000 });
    const [agentPid] = await waitFor(() => {
      try {
        return JSON.parse(readFileSync(pidsFile, 'utf8')) as number[];
      } catch {
        return undefined;
      }
    }, { timeoutMs: 20_000 });
    await waitFor(() => readFileSync(cfg, 'utf8').includes('busy-'), { timeoutMs: 10_000 });
    // The daemon dies at once (as a hung one the guardian kills does): its agent's tmux session lives on.
    first.child.kill('SIGKILL');
    await first.exited;
    expect(isAlive(agentPid!)).toBe(true);

    const second = start();
    await waitFor(() => journal().some((e) => e.type === 'agent.finished'), { timeoutMs: 40_000 });
    const finished = journal().find((e) => e.type === 'agent.finished')!;
    expect(finished.message).toContain('interrupted by a daemon restart');
    // The revert holds: nothing edits the config after it.
    await new Promise((r) => setTimeout(r, 1000));
    expect(readFileSync(cfg, 'utf8')).toBe(BROKEN);
    expect(isAlive(agentPid!)).toBe(false);
    expect(journal().some((e) => e.type === 'incident.action' && e.details?.action === 'agent-leftovers-ended')).toBe(true);
    expect(() => tmux('has-session')).toThrow();
    second.child.kill('SIGTERM');
    await second.waitForExit(20_000);
  });
});
