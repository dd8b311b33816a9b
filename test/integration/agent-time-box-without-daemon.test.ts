// The time-box is the agent's bound even when its daemon is gone: killed mid-run (kill -9, the OOM killer) and not back
// (no guardian, or its next start refused for a config error), the agent must not go on editing the service's files.
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { NODE, markServices, readJournalFile, tempDir } from '../helpers/daemon.js';
import { CLI } from '../helpers/cli.js';
import { isAlive, spawnMarked, waitFor } from '../helpers/processes.js';
import { freePort } from '../helpers/ports.js';
import { DEMO_GATEWAY_SERVER } from '../helpers/demo.js';

const BIN = fileURLToPath(new URL('../emergency/bin', import.meta.url));
const BROKEN = `${JSON.stringify({ name: 'demo-gateway', host: '127.0.0.1', port: 'oops' }, null, 2)}\n`;

const cleanup: Array<() => void> = [];
afterEach(() => {
  while (cleanup.length) cleanup.pop()!();
});

describe('Level 3 time-box without a daemon', () => {
  // (In a bare PTY the daemon's death closes the terminal, and its SIGHUP ends an agent that does not ignore it.)
  it('tmux: an agent whose daemon was killed -9 mid-run is ended past its time-box all the same', async () => {
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
              emergency: { adapter: 'claude', timeBox: '3s', verifyWindow: '1s', passEnv: ['FAKE_AGENT_MODE', 'FAKE_AGENT_PIDS_FILE'] },
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
    const d = spawnMarked(NODE, [CLI, 'run', '--config', config, '--state-dir', stateDir], { env });
    cleanup.push(() => d.kill());
    const journal = () => readJournalFile(path.join(stateDir, 'journal.jsonl'));
    await waitFor(() => journal().some((e) => e.type === 'agent.started'), { timeoutMs: 40_000 });
    const [agentPid] = await waitFor(() => {
      try {
        return JSON.parse(readFileSync(pidsFile, 'utf8')) as number[];
      } catch {
        return undefined;
      }
    }, { timeoutMs: 20_000 });
    cleanup.push(() => {
      try {
        process.kill(agentPid!, 'SIGKILL');
      } catch {
        // gone
      }
    });
    await waitFor(() => readFileSync(cfg, 'utf8').includes('busy-'), { timeoutMs: 10_000 });
    const killedAt = Date.now();
    d.child.kill('SIGKILL');
    await d.exited;
    // No daemon comes back. Past the 3 s time-box and the launcher's margin (15 s), the agent is gone and edits nothing more:
    // before, it edited the config every 200 ms for as long as anyone looked, with nobody left to verify or revert.
    await waitFor(() => !isAlive(agentPid!) || undefined, { timeoutMs: 45_000 });
    const after = readFileSync(cfg, 'utf8');
    await new Promise((r) => setTimeout(r, 1000));
    expect(readFileSync(cfg, 'utf8')).toBe(after);
    expect(Date.now() - killedAt).toBeGreaterThan(3_000);
    expect(() => tmux('has-session')).toThrow();
  }, 90_000);
});
