// A process the agent starts must not outlive the run even when its parent is gone before any look at the run's tree
// (`env -i setsid sh -c '... &'` re-parents the child away from the run at once, its marks shed).
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { agentBed } from './agent-bed.js';
import { makeScenario } from './scenario.js';

const BIN = fileURLToPath(new URL('./bin', import.meta.url));

const bed = agentBed('escape');

/** Where a PID namespace can be made (root, or unprivileged user namespaces): the run is contained by it. */
function pidNamespaces(): boolean {
  try {
    execFileSync('sh', ['-c', 'ns=-Urpf; [ "$(id -u)" -eq 0 ] && ns=-pf; unshare $ns --kill-child true'], { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

describe('Level 3: a re-parented process with its marks shed is still ended with the run', () => {
  it.skipIf(process.platform !== 'linux' || !pidNamespaces()).each([
    ['tmux', '0'],
    ['tmux', '1'],
    ['pty', '1'],
  ] as const)('%s (shed RLIMIT_RTTIME: %s): the child of a vanished `env -i setsid sh -c` is gone after the run', async (runner, shed) => {
    const scenario = bed.track(await makeScenario());
    await scenario.host.start();
    const dir = await bed.tempDir('clawback-escape-');
    const pidsFile = path.join(dir, 'escaped.pid');
    // A duration of this trial's own: helpers' runs of this file at the same time leave other sleepers to find.
    const sleep = `605.${process.pid}${Date.now() % 100_000}`;
    const r = await scenario.run(
      { adapter: 'claude', timeBox: '30s', verifyWindow: '500ms' },
      {
        adapterOptions: {
          cli: {
            tmux: runner === 'tmux' ? { socket: bed.socket } : false,
            env: { PATH: `${BIN}:${process.env.PATH ?? ''}`, CLAWBACK_TEST_CHILD: '1', FAKE_AGENT_ESCAPE_PIDS_FILE: pidsFile, FAKE_AGENT_ESCAPE_SHED: shed, FAKE_AGENT_ESCAPE_SLEEP: sleep, FAKE_AGENT_LINGER_MS: '1500' },
          },
        },
      },
      `inc-escape-${runner}-${shed}`,
    );
    // The helper's pid as the agent saw it (proof that it started); the host finds it by its command line.
    const pid = Number((await fs.readFile(pidsFile, 'utf8')).trim());
    const escaped = execFileSync('sh', ['-c', `pgrep -x -f "sleep ${sleep}" || true`], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
    // (cleanup before asserting, so a failure leaks nothing)
    for (const p of escaped) process.kill(p, 'SIGKILL');
    expect(pid).toBeGreaterThan(0);
    expect(escaped).toEqual([]);
    expect(r.outcome).toBe('fixed');
  }, 60_000);
});
