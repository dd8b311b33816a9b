// A process the agent starts must not outlive the run even when it sheds the run's marks (env and RLIMIT_RTTIME).
import { execFileSync } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { makeScenario, type Scenario } from './scenario.js';
import { isAlive } from '../../src/platform/proc.js';

const BIN = fileURLToPath(new URL('./bin', import.meta.url));
const SOCKET = `clawback-test-shed-${process.pid}`;

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8', env: { ...process.env, CLAWBACK_TEST_CHILD: '1' } });
}

let scenario: Scenario | undefined;
let dir: string | undefined;

afterEach(async () => {
  await scenario?.cleanup();
  scenario = undefined;
  if (dir) await fs.rm(dir, { recursive: true, force: true });
  dir = undefined;
});

afterAll(() => {
  try {
    tmux('kill-server');
  } catch {
    // not running
  }
});

/** The process's soft RLIMIT_RTTIME and whether it has the run's env mark (what the sweep looks for). */
function marks(pid: number): { rttime: string; env: boolean } {
  const limits = readFileSync(`/proc/${pid}/limits`, 'utf8');
  const row = limits.split('\n').find((l) => l.startsWith('Max realtime timeout')) ?? '';
  return { rttime: row.split(/\s{2,}/)[1] ?? '', env: readFileSync(`/proc/${pid}/environ`, 'utf8').includes('CLAWBACK_AGENT_RUN=') };
}

describe('Level 3: a process that sheds the run\'s marks is still ended with the run', () => {
  it.each(['tmux', 'pty'] as const)('%s: `env -i setsid prlimit --rttime=unlimited sleep` started by a living agent is gone after the run', async (runner) => {
    scenario = await makeScenario();
    await scenario.host.start();
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'clawback-shed-'));
    const pidsFile = path.join(dir, 'pids.json');
    const seenMarks: Array<ReturnType<typeof marks>> = [];
    // What the helper looked like while it ran: proof that it had shed both marks (so only its parentage is left).
    let watching = true;
    const watch = (async () => {
      while (watching && seenMarks.length === 0) {
        try {
          const [pid] = JSON.parse(await fs.readFile(pidsFile, 'utf8')) as number[];
          const m = marks(pid!);
          if (m.rttime === 'unlimited') seenMarks.push(m);
        } catch {
          // not written yet, or exec not done
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const r = await scenario.run(
      { adapter: 'claude', timeBox: '30s', verifyWindow: '500ms' },
      {
        adapterOptions: {
          cli: {
            tmux: runner === 'tmux' ? { socket: SOCKET } : false,
            // The agent lives 1.5 s after starting the helper, as an agent does: its tree is seen while it runs.
            env: { PATH: `${BIN}:${process.env.PATH ?? ''}`, CLAWBACK_TEST_CHILD: '1', FAKE_AGENT_SHED_PIDS_FILE: pidsFile, FAKE_AGENT_LINGER_MS: '1500' },
          },
        },
      },
      `inc-shed-${runner}`,
    );
    watching = false;
    await watch;
    const [pid] = JSON.parse(await fs.readFile(pidsFile, 'utf8')) as number[];
    const left = isAlive(pid!);
    // (cleanup before asserting, so a failure leaks nothing)
    if (left) process.kill(pid!, 'SIGKILL');
    expect(seenMarks[0]).toEqual({ rttime: 'unlimited', env: false });
    expect(left).toBe(false);
    expect(r.outcome).toBe('fixed');
  });
});
