// Shared set-up of the Level 3 tests that kill a daemon while its CLI agent works in tmux: a demo gateway with a broken
// config, the fake `claude` (busy: it rewrites the config every 200 ms) in a private tmux server, and the daemon's start.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { NODE, markServices, readJournalFile, tempDir } from '../helpers/daemon.js';
import { CLI } from '../helpers/cli.js';
import { spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';
import { freePort } from '../helpers/ports.js';
import { DEMO_GATEWAY_SERVER } from '../helpers/demo.js';

const BIN = fileURLToPath(new URL('../emergency/bin', import.meta.url));
export const BROKEN = `${JSON.stringify({ name: 'demo-gateway', host: '127.0.0.1', port: 'oops' }, null, 2)}\n`;

export interface TmuxAgentDaemon {
  /** The service's config file (starts as BROKEN; the busy agent writes `busy-` into it). */
  cfg: string;
  /** Starts a daemon on the config (killed at cleanup). */
  start(): MarkedChild;
  journal(): ReturnType<typeof readJournalFile>;
  /** A tmux command on the daemon's private tmux server. */
  tmux(...args: string[]): string;
  /** Waits for the agent to start editing; its pid. */
  agentAtWork(): Promise<number>;
}

/** One service `gw` whose Level 3 agent (time-box `timeBox`) runs in tmux; what it starts is ended through `cleanup`. */
export async function tmuxAgentDaemon(timeBox: string, cleanup: Array<() => void>): Promise<TmuxAgentDaemon> {
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
            emergency: { adapter: 'claude', timeBox, verifyWindow: '1s', passEnv: ['FAKE_AGENT_MODE', 'FAKE_AGENT_PIDS_FILE'] },
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
  const journal = () => readJournalFile(path.join(stateDir, 'journal.jsonl'));
  return {
    cfg,
    tmux,
    journal,
    start() {
      const d = spawnMarked(NODE, [CLI, 'run', '--config', config, '--state-dir', stateDir], { env });
      cleanup.push(() => d.kill());
      return d;
    },
    async agentAtWork() {
      await waitFor(() => journal().some((e) => e.type === 'agent.started'), { timeoutMs: 40_000 });
      const [agentPid] = await waitFor(() => {
        try {
          return JSON.parse(readFileSync(pidsFile, 'utf8')) as number[];
        } catch {
          return undefined;
        }
      }, { timeoutMs: 20_000 });
      await waitFor(() => readFileSync(cfg, 'utf8').includes('busy-'), { timeoutMs: 10_000 });
      return agentPid!;
    },
  };
}
