// The time-box is the agent's bound even when its daemon is gone: killed mid-run (kill -9, the OOM killer) and not back
// (no guardian, or its next start refused for a config error), the agent must not go on editing the service's files.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { isAlive, waitFor } from '../helpers/processes.js';
import { tmuxAgentDaemon } from './tmux-agent-daemon.js';

const cleanup: Array<() => void> = [];
afterEach(() => {
  while (cleanup.length) cleanup.pop()!();
});

describe('Level 3 time-box without a daemon', () => {
  // (In a bare PTY the daemon's death closes the terminal, and its SIGHUP ends an agent that does not ignore it.)
  it('tmux: an agent whose daemon was killed -9 mid-run is ended past its time-box all the same', async () => {
    const { cfg, start, tmux, agentAtWork } = await tmuxAgentDaemon('3s', cleanup);
    const d = start();
    const agentPid = await agentAtWork();
    cleanup.push(() => {
      try {
        process.kill(agentPid, 'SIGKILL');
      } catch {
        // gone
      }
    });
    const killedAt = Date.now();
    d.child.kill('SIGKILL');
    await d.exited;
    // No daemon comes back. Past the 3 s time-box and the launcher's margin (15 s), the agent is gone and edits nothing more:
    // before, it edited the config every 200 ms for as long as anyone looked, with nobody left to verify or revert.
    await waitFor(() => !isAlive(agentPid) || undefined, { timeoutMs: 45_000 });
    const after = readFileSync(cfg, 'utf8');
    await new Promise((r) => setTimeout(r, 1000));
    expect(readFileSync(cfg, 'utf8')).toBe(after);
    expect(Date.now() - killedAt).toBeGreaterThan(3_000);
    expect(() => tmux('has-session')).toThrow();
  }, 90_000);
});
