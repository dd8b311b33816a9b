// A daemon killed mid-run whose state.json is then lost never judges that run: its agent, still at work in tmux, must be
// ended when the service's next Level 3 run starts, never left working beside it.
import { execFileSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { makeScenario } from './scenario.js';
import { agentBed } from './agent-bed.js';
import { tmuxSessionName } from '../../src/emergency/tmux-session.js';
import { waitFor } from '../helpers/processes.js';
import { killedDaemonRun } from './killed-daemon-run.js';

const bed = agentBed('orphan');

function hasSession(name: string): boolean {
  try {
    execFileSync('tmux', ['-L', bed.socket, 'has-session', '-t', `=${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}


it('the next run of the service ends the orphaned agent of a killed daemon first (one agent at a time), and says so', { timeout: 90_000 }, async () => {
  const s = bed.track(await makeScenario());
  const beat = path.join(s.dir, 'beat.log');
  // An agent that ignores SIGTERM and SIGHUP, asks a question nobody answers and writes a heartbeat for ever.
  const stubborn = path.join(s.dir, 'stubborn.sh');
  await fs.writeFile(stubborn, `#!/bin/sh\ntrap '' TERM HUP INT\n( trap '' TERM HUP; while :; do echo beat >> ${JSON.stringify(beat)}; sleep 0.2; done ) &\necho 'Proceed? [y/N]'; read a; while :; do sleep 1; done\n`, { mode: 0o755 });
  const oldId = `inc-orphan-old-${process.pid}`;
  const oldSession = tmuxSessionName(s.service.name, oldId);
  // The daemon dies mid-run (nothing of it is left to judge its run); its tmux session lives on.
  await killedDaemonRun(s, bed, stubborn, oldId, () => existsSync(beat) && hasSession(oldSession));
  expect(hasSession(oldSession)).toBe(true);

  // The next incident's run, by the next daemon: a quick agent that exits at once.
  const quick = path.join(s.dir, 'quick.sh');
  await fs.writeFile(quick, '#!/bin/sh\necho looked\n', { mode: 0o755 });
  const r = await s.run({ adapter: 'command', command: [quick, '{prompt_file}'], timeBox: '30s', verifyWindow: '1s' }, { adapterOptions: { cli: { tmux: { socket: bed.socket }, env: { CLAWBACK_TEST_CHILD: '1' } } } });
  expect(r.outcome).not.toBe('refused');
  // The orphan was ended before this run's agent started, and the journal says so.
  const ended = s.events.find((e) => (e.details as { action?: string } | undefined)?.action === 'agent-leftovers-ended');
  expect(ended?.message).toContain('of an earlier agent run for gw were still running');
  const started = s.events.findIndex((e) => e.type === 'agent.started');
  expect(s.events.indexOf(ended!)).toBeLessThan(started);
  await waitFor(() => !hasSession(oldSession) || undefined, { timeoutMs: 10_000 });
  // Its heartbeat (every 0.2 s while it lives) stopped: the file no longer grows over a second.
  let last = -1;
  let since = Date.now();
  await waitFor(async () => {
    const size = (await fs.stat(beat)).size;
    if (size !== last) [last, since] = [size, Date.now()];
    return Date.now() - since >= 1000 || undefined;
  }, { timeoutMs: 10_000 });
});
