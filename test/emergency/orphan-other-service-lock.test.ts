// A daemon killed mid-run leaves its agent at work (tmux) and its lock on the service's cwd: when ANOTHER service's run
// in that cwd takes the dead holder's lock over, the orphan agent is ended first, never left writing beside the new run.
import { execFileSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { makeScenario } from './scenario.js';
import { agentBed } from './agent-bed.js';
import { tmuxSessionName } from '../../src/emergency/tmux-session.js';
import { waitFor } from '../helpers/processes.js';
import { killedDaemonRun } from './killed-daemon-run.js';

const bed = agentBed('orphanlock');

function hasSession(name: string): boolean {
  try {
    execFileSync('tmux', ['-L', bed.socket, 'has-session', '-t', `=${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

it("another service's run in the same cwd ends a killed daemon's orphan agent when it takes that cwd's lock, and says so", { timeout: 90_000 }, async () => {
  const s = bed.track(await makeScenario());
  const beat = path.join(s.dir, 'beat.log');
  // An agent that ignores SIGTERM and SIGHUP and writes a heartbeat into the shared cwd for ever.
  const stubborn = path.join(s.dir, 'stubborn.sh');
  await fs.writeFile(stubborn, `#!/bin/sh\ntrap '' TERM HUP INT\n( trap '' TERM HUP; while :; do echo beat >> ${JSON.stringify(beat)}; sleep 0.2; done ) &\nwhile :; do sleep 1; done\n`, { mode: 0o755 });
  const oldId = `inc-orphanlock-old-${process.pid}`;
  const oldSession = tmuxSessionName(s.service.name, oldId);
  await killedDaemonRun(s, bed, stubborn, oldId, () => existsSync(beat) && hasSession(oldSession), { cwd: s.dir });
  expect(hasSession(oldSession)).toBe(true);

  // Service `other`, same cwd and state dir, runs next: it has no run mark of its own, so only the lock can tell.
  const quick = path.join(s.dir, 'quick.sh');
  await fs.writeFile(quick, '#!/bin/sh\necho looked\n', { mode: 0o755 });
  const r = await s.run(
    { adapter: 'command', command: [quick, '{prompt_file}'], timeBox: '30s', verifyWindow: '1s' },
    { service: { ...s.service, name: 'other' }, adapterOptions: { cli: { tmux: { socket: bed.socket }, env: { CLAWBACK_TEST_CHILD: '1' } } } },
  );
  expect(r.outcome).not.toBe('refused');
  const ended = s.events.find((e) => (e.details as { action?: string } | undefined)?.action === 'agent-leftovers-ended');
  expect(ended?.message).toContain('its daemon died mid-run');
  expect((ended?.details as { pids?: number[] }).pids?.length).toBeGreaterThan(0);
  // Before the new run's agent started (and before it snapshotted the cwd).
  expect(s.events.indexOf(ended!)).toBeLessThan(s.events.findIndex((e) => e.type === 'agent.started'));
  await waitFor(() => !hasSession(oldSession) || undefined, { timeoutMs: 10_000 });
  let last = -1;
  let since = Date.now();
  await waitFor(async () => {
    const size = (await fs.stat(beat)).size;
    if (size !== last) [last, since] = [size, Date.now()];
    return Date.now() - since >= 1000 || undefined;
  }, { timeoutMs: 10_000 });
});
