// A daemon killed mid-run whose state.json is then lost never judges that run: its agent, still at work in tmux, must be
// ended when the service's next Level 3 run starts, never left working beside it.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { makeScenario } from './scenario.js';
import { agentBed } from './agent-bed.js';
import { tmuxSessionName } from '../../src/emergency/tmux-session.js';
import { waitFor } from '../helpers/processes.js';

const bed = agentBed('orphan');
const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));

function hasSession(name: string): boolean {
  try {
    execFileSync('tmux', ['-L', bed.socket, 'has-session', '-t', `=${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A daemon's Level 3 run in a process of its own (built code), which the test kills as a crash would. */
const DAEMON = `
const [dist, stateDir, service, incidentId, configPath, logFile, agent, socket] = process.argv.slice(2);
const { runAgentSession } = await import(dist + 'emergency/run-emergency.js');
const { emergencySchema } = await import(dist + 'emergency/emergency-schema.js');
const { serviceSchema } = await import(dist + 'config/schema.js');
const { Redactor } = await import(dist + 'observe/redact.js');
const { systemClock } = await import(dist + 'platform/clock.js');
const { readFile } = await import('node:fs/promises');
const host = { serviceName: service, configPath, logFile, tailLog: async () => '', readConfig: () => readFile(configPath, 'utf8'), validateConfig: async () => ({ ok: false, error: 'broken' }) };
await runAgentSession({
  incident: { id: incidentId, openedAt: Date.now(), level: 3, highestLevel: 3, reason: 'exit 78', doctorRuns: 0, agentRuns: 1, status: 'open' },
  service: serviceSchema.parse({ name: service, command: ['true'], configFile: { path: configPath } }),
  config: emergencySchema.parse({ adapter: 'command', command: [agent, '{prompt_file}'], timeBox: '120s' }),
  host, clock: systemClock(), redactor: new Redactor(), stateDir, emit: () => {},
  adapterOptions: { cli: { tmux: { socket }, env: { CLAWBACK_TEST_CHILD: '1' } } },
});
`;

it('the next run of the service ends the orphaned agent of a killed daemon first (one agent at a time), and says so', { timeout: 90_000 }, async () => {
  const s = bed.track(await makeScenario());
  const beat = path.join(s.dir, 'beat.log');
  // An agent that ignores SIGTERM and SIGHUP, asks a question nobody answers and writes a heartbeat for ever.
  const stubborn = path.join(s.dir, 'stubborn.sh');
  await fs.writeFile(stubborn, `#!/bin/sh\ntrap '' TERM HUP INT\n( trap '' TERM HUP; while :; do echo beat >> ${JSON.stringify(beat)}; sleep 0.2; done ) &\necho 'Proceed? [y/N]'; read a; while :; do sleep 1; done\n`, { mode: 0o755 });
  const daemonFile = path.join(s.dir, 'daemon.mjs');
  await fs.writeFile(daemonFile, DAEMON);
  const oldId = `inc-orphan-old-${process.pid}`;
  const child = spawn(process.execPath, [daemonFile, DIST, s.stateDir, s.service.name, oldId, s.host.configPath, s.host.logFile, stubborn, bed.socket], { stdio: 'ignore' });
  const oldSession = tmuxSessionName(s.service.name, oldId);
  try {
    await waitFor(() => (existsSync(beat) && hasSession(oldSession)) || undefined, { timeoutMs: 30_000 });
  } finally {
    // The daemon dies mid-run (nothing of it is left to judge its run); its tmux session lives on.
    child.kill('SIGKILL');
  }
  await new Promise((r) => child.once('exit', r));
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
