// A daemon's Level 3 run in a process of its own (built code), SIGKILLed as a crash would kill it once the test's sign
// shows: what the orphan tests start from (nothing of that daemon is left to judge its run; its agent may live on).
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AgentBed } from './agent-bed.js';
import type { Scenario } from './scenario.js';
import { waitFor } from '../helpers/processes.js';

const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));

const DAEMON = `
const [dist, stateDir, service, incidentId, configPath, logFile, agent, socket, cwd] = process.argv.slice(2);
const { runAgentSession } = await import(dist + 'emergency/run-emergency.js');
const { emergencySchema } = await import(dist + 'emergency/emergency-schema.js');
const { serviceSchema } = await import(dist + 'config/schema.js');
const { Redactor } = await import(dist + 'observe/redact.js');
const { systemClock } = await import(dist + 'platform/clock.js');
const { readFile } = await import('node:fs/promises');
const host = { serviceName: service, configPath, logFile, tailLog: async () => '', readConfig: () => readFile(configPath, 'utf8'), validateConfig: async () => ({ ok: false, error: 'broken' }) };
await runAgentSession({
  incident: { id: incidentId, openedAt: Date.now(), level: 3, highestLevel: 3, reason: 'exit 78', doctorRuns: 0, agentRuns: 1, status: 'open' },
  service: serviceSchema.parse({ name: service, command: ['true'], ...(cwd ? { cwd } : {}), configFile: { path: configPath } }),
  config: emergencySchema.parse({ adapter: 'command', command: [agent, '{prompt_file}'], timeBox: '120s' }),
  host, clock: systemClock(), redactor: new Redactor(), stateDir, emit: () => {},
  adapterOptions: { cli: { tmux: { socket }, env: { CLAWBACK_TEST_CHILD: '1' } } },
});
`;

/**
 * Runs `agent` (a command agent) for incident `incidentId` in such a daemon, kills the daemon once `until()`, and waits for
 * its end. `cwd`: the service's working directory (the run then holds that directory's lock when it dies).
 */
export async function killedDaemonRun(s: Scenario, bed: AgentBed, agent: string, incidentId: string, until: () => boolean, opts: { cwd?: string } = {}): Promise<void> {
  const daemonFile = path.join(s.dir, 'daemon.mjs');
  await fs.writeFile(daemonFile, DAEMON);
  const child = spawn(process.execPath, [daemonFile, DIST, s.stateDir, s.service.name, incidentId, s.host.configPath, s.host.logFile, agent, bed.socket, ...(opts.cwd ? [opts.cwd] : [])], { stdio: 'ignore' });
  const exited = new Promise((r) => child.once('exit', r));
  try {
    await waitFor(() => until() || undefined, { timeoutMs: 30_000 });
  } finally {
    child.kill('SIGKILL');
  }
  await exited;
}
