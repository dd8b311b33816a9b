// Two daemons of one user (two state dirs) must not share a tmux server: a run of one killed the other's live agent
// when their session names matched (same service name, same incident id), taking it for a dead daemon's leftover.
import { execFileSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { makeScenario, type Scenario } from './scenario.js';
import { stateTmuxSocket } from '../../src/emergency/cli-agent.js';
import { waitFor } from '../helpers/processes.js';

const scenarios: Scenario[] = [];
let tmuxDir: string | undefined;
const savedTmpdir = process.env.TMUX_TMPDIR;

afterEach(async () => {
  for (const s of scenarios.splice(0)) {
    // Each state dir's own server (and the old shared one), in this test's private socket dir only.
    for (const socket of [stateTmuxSocket(s.stateDir), 'clawback']) {
      try {
        execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore', env: { ...process.env } });
      } catch {
        // not running
      }
    }
    await s.cleanup();
  }
  if (savedTmpdir === undefined) delete process.env.TMUX_TMPDIR;
  else process.env.TMUX_TMPDIR = savedTmpdir;
  if (tmuxDir) await fs.rm(tmuxDir, { recursive: true, force: true });
  tmuxDir = undefined;
});

it("a run in one state dir leaves another state dir's live agent session of the same name alone", { timeout: 90_000 }, async () => {
  // The default socket (no adapter option, as the daemon runs it), in a socket dir of this test's own.
  tmuxDir = await fs.mkdtemp(path.join(os.tmpdir(), 'clawback-tmux-iso-'));
  process.env.TMUX_TMPDIR = tmuxDir;
  const a = await makeScenario();
  scenarios.push(a);
  const b = await makeScenario();
  scenarios.push(b);
  // Outside the service's dir, which the run's verdict puts back as it was.
  const go = path.join(tmuxDir, 'go');
  const done = path.join(tmuxDir, 'a-done');
  const agentA = path.join(a.dir, 'agent-a.sh');
  await fs.writeFile(agentA, `i=0; while [ ! -e '${go}' ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; touch '${done}'\n`);
  const agentB = path.join(b.dir, 'agent-b.sh');
  await fs.writeFile(agentB, 'echo b ran\n');
  const cfg = (agent: string) => ({ adapter: 'command' as const, command: ['sh', agent], timeBox: '60s', verifyWindow: '500ms' });
  const runA = a.run(cfg(agentA), {}, 'inc-same');
  await waitFor(() => a.events.find((e) => e.type === 'agent.started'), { timeoutMs: 30_000 });
  const rb = await b.run(cfg(agentB), {}, 'inc-same');
  expect(rb.attachCommand).toContain(stateTmuxSocket(b.stateDir));
  expect(stateTmuxSocket(a.stateDir)).not.toBe(stateTmuxSocket(b.stateDir));
  // A's agent still runs to its own end once told to.
  await fs.writeFile(go, '');
  const ra = await runA;
  expect(existsSync(done)).toBe(true);
  // (the stand-in fixes nothing: the verdict is "not healthy", but its agent ran to its own end, exit status 0)
  expect(a.events.find((e) => e.type === 'agent.finished' || /agent's run ended/.test(e.message))?.message).toMatch(/exited 0/);
  expect(ra.attachCommand).toContain(stateTmuxSocket(a.stateDir));
});
