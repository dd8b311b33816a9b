// Where the agent cannot be put in a PID namespace (no unshare on its PATH), the run says so where a person looks (the
// journal and the alerts), not only in the transcript file.
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { makeScenario, type Scenario } from './scenario.js';

const SOCKET = `clawback-test-nons-${process.pid}`;
let scenario: Scenario | undefined;
let binDir: string | undefined;

afterEach(async () => {
  await scenario?.cleanup();
  scenario = undefined;
  if (binDir) await fs.rm(binDir, { recursive: true, force: true });
  binDir = undefined;
});

afterAll(() => {
  try {
    execFileSync('tmux', ['-L', SOCKET, 'kill-server'], { stdio: 'ignore' });
  } catch {
    // not running
  }
});

/** A PATH holding every program of this one but unshare (links in a temp dir). */
async function pathWithoutUnshare(): Promise<string> {
  binDir = await fs.mkdtemp(path.join(os.tmpdir(), 'clawback-nounshare-'));
  for (const d of (process.env.PATH ?? '').split(':').filter(Boolean)) {
    for (const name of await fs.readdir(d).catch(() => [] as string[])) {
      if (name === 'unshare') continue;
      await fs.symlink(path.join(d, name), path.join(binDir, name)).catch(() => undefined);
    }
  }
  return binDir;
}

function notContained(s: Scenario): unknown[] {
  return s.events.filter((e) => e.type === 'incident.action' && (e as { details?: { action?: string } }).details?.action === 'agent-not-contained');
}

describe('Level 3: an agent run without a PID namespace is said loudly', () => {
  it.skipIf(process.platform !== 'linux').each(['pty', 'tmux'] as const)('%s: no unshare on PATH -> a warning agent-not-contained event', async (runner) => {
    scenario = await makeScenario();
    await scenario.host.start();
    const r = await scenario.run(
      { adapter: 'command', command: ['sh', '-c', 'echo agent ran; exit 1'], timeBox: '30s', verifyWindow: '500ms' },
      { adapterOptions: { cli: { tmux: runner === 'tmux' ? { socket: SOCKET } : false, env: { PATH: await pathWithoutUnshare() } } } },
      `inc-nons-${runner}`,
    );
    expect(r.outcome).toBe('failed');
    const said = notContained(scenario) as Array<{ severity: string; message: string }>;
    expect(said).toHaveLength(1);
    expect(said[0]?.severity).toBe('warning');
    expect(said[0]?.message).toContain('PID namespace');
  }, 60_000);

  it.skipIf(process.platform !== 'linux')('with unshare on PATH and namespaces available, no such warning', async () => {
    try {
      execFileSync('sh', ['-c', 'ns=-cpf; [ "$(id -u)" -eq 0 ] && ns=-pf; unshare $ns --kill-child true'], { stdio: 'ignore', timeout: 5000 });
    } catch {
      return; // no namespaces here: the warning is right
    }
    scenario = await makeScenario();
    await scenario.host.start();
    await scenario.run({ adapter: 'command', command: ['sh', '-c', 'exit 1'], timeBox: '30s', verifyWindow: '500ms' }, { adapterOptions: { cli: { tmux: false } } }, 'inc-ns-ok');
    expect(notContained(scenario)).toEqual([]);
  }, 60_000);
});
