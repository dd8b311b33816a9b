// An agent's own `tmux new -d …` must not land in a person's running tmux server, where it would outlive the run.
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { makeScenario, type Scenario } from './scenario.js';
import { isAlive } from '../../src/platform/proc.js';

const SOCKET = `clawback-test-owntmux-${process.pid}`;
/** A person's tmux server, where an agent without TMUX_TMPDIR would find it (the default socket dir). */
const USER_SOCKET = `clawback-test-person-${process.pid}`;
const userEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env, CLAWBACK_TEST_CHILD: '1' };
  delete env.TMUX_TMPDIR;
  delete env.TMUX;
  return env;
};
const personTmux = (...args: string[]): string => execFileSync('tmux', ['-L', USER_SOCKET, ...args], { encoding: 'utf8', env: userEnv() });

let scenario: Scenario | undefined;
let out: string | undefined;

afterEach(async () => {
  for (const name of ['their-work', 'agent-made']) {
    try {
      personTmux('kill-session', '-t', `=${name}`);
    } catch {
      // not there
    }
  }
  await scenario?.cleanup();
  scenario = undefined;
  if (out) await fs.rm(out, { recursive: true, force: true });
  out = undefined;
});

afterAll(() => {
  for (const args of [['-L', USER_SOCKET, 'kill-server'], ['-L', SOCKET, 'kill-server']]) {
    try {
      execFileSync('tmux', args, { env: userEnv(), stdio: 'ignore' });
    } catch {
      // not running
    }
  }
});

describe('Level 3: a tmux session the agent starts itself ends with the run', () => {
  it.each(['tmux', 'pty'] as const)('%s: `tmux new-session -d` while a person runs a tmux server: nothing of it is left there, their session untouched', async (runner) => {
    out = await fs.mkdtemp(path.join(os.tmpdir(), 'clawback-owntmux-'));
    const paneFile = path.join(out, 'pane-pid');
    personTmux('new-session', '-d', '-s', 'their-work', 'sleep 900');
    scenario = await makeScenario();
    await scenario.host.start();
    // What an agent does to keep a server running past its own exit: a detached tmux session (here on the socket name
    // the person's server has), then its pane's pid written where the test can read it.
    const agent = path.join(out, 'agent.sh');
    await fs.writeFile(agent, [
      `tmux -L ${USER_SOCKET} new-session -d -s agent-made 'sleep 901'`,
      `tmux -L ${USER_SOCKET} display-message -p -t agent-made '#{pane_pid}' > ${paneFile}`,
      'echo started a session of my own',
      '',
    ].join('\n'));
    const r = await scenario.run(
      { adapter: 'command', command: ['sh', agent], timeBox: '20s', verifyWindow: '500ms' },
      { adapterOptions: { cli: { tmux: runner === 'tmux' ? { socket: SOCKET } : false, env: { PATH: process.env.PATH ?? '', CLAWBACK_TEST_CHILD: '1' } } } },
      `inc-owntmux-${runner}`,
    );
    expect(r.transcriptPath).toBeDefined();
    const pane = Number((await fs.readFile(paneFile, 'utf8')).trim());
    expect(pane).toBeGreaterThan(0);
    // (that pid is the pane's in the run's PID namespace, not the test's: the pane is found by its command line)
    const panes = execFileSync('sh', ['-c', 'pgrep -f "^(sh -c )?sleep 901$" || true'], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
    const paneAlive = panes.length > 0;
    for (const p of panes) if (isAlive(p)) process.kill(p, 'SIGKILL');
    const theirs = personTmux('list-sessions', '-F', '#{session_name}').split('\n').filter(Boolean);
    expect(paneAlive).toBe(false);
    expect(theirs).toEqual(['their-work']);
  }, 60_000);
});
