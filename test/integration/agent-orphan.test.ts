// A daemon that dies while a Level 3 agent works in tmux (killed, or revived by the guardian) leaves the agent's
// session behind: the next daemon must end it before it reverts, or the agent goes on editing the reverted files.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { isAlive, waitFor } from '../helpers/processes.js';
import { BROKEN, tmuxAgentDaemon } from './tmux-agent-daemon.js';

const cleanup: Array<() => void> = [];
afterEach(() => {
  while (cleanup.length) cleanup.pop()!();
});

describe('Level 3 across a daemon crash', () => {
  it('the agent a killed daemon left in tmux is ended by the next daemon before its changes are reverted', async () => {
    const { cfg, start, journal, tmux, agentAtWork } = await tmuxAgentDaemon('5m', cleanup);
    const first = start();
    const agentPid = await agentAtWork();
    // The daemon dies at once (as a hung one the guardian kills does): its agent's tmux session lives on.
    first.child.kill('SIGKILL');
    await first.exited;
    expect(isAlive(agentPid)).toBe(true);

    const second = start();
    await waitFor(() => journal().some((e) => e.type === 'agent.finished'), { timeoutMs: 40_000 });
    const finished = journal().find((e) => e.type === 'agent.finished')!;
    expect(finished.message).toContain('interrupted by a daemon restart');
    // The revert holds: nothing edits the config after it.
    await new Promise((r) => setTimeout(r, 1000));
    expect(readFileSync(cfg, 'utf8')).toBe(BROKEN);
    expect(isAlive(agentPid)).toBe(false);
    expect(journal().some((e) => e.type === 'incident.action' && e.details?.action === 'agent-leftovers-ended')).toBe(true);
    expect(() => tmux('has-session')).toThrow();
    second.child.kill('SIGTERM');
    await second.waitForExit(20_000);
  });
});
