// A real `clawback run` daemon (a child) supervising `gw`, which cannot start while a flag file exists, with a command
// agent that only thinks: the set-up of the CLI tests that need a Level 3 agent run in flight (doctor, drill).
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { CLI, runCli } from './cli.js';
import { NODE, markServices, tempDir } from './daemon.js';
import { freePort } from './ports.js';
import { isRunning, killTree, pidRef, signalProcess, spawnMarked, waitFor, type MarkedChild } from './processes.js';

/** The fields of `clawback status --json` these tests read. */
export interface AgentSvc {
  pid: number | null;
  held: { reason: string } | null;
  work: { kind: string } | null;
  incident: { id: string; status: string } | null;
}

// A service that exits 1 while a flag file exists (it cannot start), else serves.
const SERVICE = `import http from 'node:http'; import fs from 'node:fs';
if (fs.existsSync(process.argv[3])) { console.error('broken'); process.exit(1); }
http.createServer((q, r) => r.end('ok')).listen(Number(process.argv[2]), '127.0.0.1');
`;

export interface AgentInFlightDaemon {
  dir: string;
  stateDir: string;
  config: string;
  daemon: MarkedChild;
  status(): Promise<AgentSvc>;
  /** Makes `gw` unable to start, kills it, and waits (30 s at most) until the ladder's agent run is in flight. */
  breakUntilAgentRuns(): Promise<void>;
  /** SIGTERM to the daemon (15 s), then the service's tree and the directory. */
  stop(): Promise<void>;
}

/** Starts it (the agent thinks for `agentThinksMs`; `extra` adds keys to the service) and waits until `gw` runs. */
export async function startAgentInFlightDaemon(prefix: string, agentThinksMs: number, extra: Record<string, unknown> = {}): Promise<AgentInFlightDaemon> {
  const dir = tempDir(prefix);
  const stateDir = path.join(dir, 'state');
  const flag = path.join(dir, 'broken');
  const port = await freePort();
  writeFileSync(path.join(dir, 'svc.mjs'), SERVICE);
  writeFileSync(path.join(dir, 'agent.mjs'), `console.log('thinking'); setTimeout(() => {}, ${agentThinksMs});\n`);
  const config = path.join(dir, 'clawback.yaml');
  const service = {
    name: 'gw',
    command: [NODE, path.join(dir, 'svc.mjs'), String(port), flag],
    port,
    restart: { backoff: { initial: '100ms', max: '1s', jitter: 0 }, intensity: { maxRestarts: 3, window: '1m' } },
    doctor: { attempts: 0 },
    emergency: { adapter: 'command', command: [NODE, path.join(dir, 'agent.mjs')], timeBox: '60s', verifyWindow: '2s' },
    probes: [{ kind: 'http', name: 'health', url: `http://127.0.0.1:${port}/`, interval: '300ms', timeout: '500ms', failureThreshold: 2, startupGrace: '5s' }],
    ...extra,
  };
  writeFileSync(config, YAML.stringify(markServices({ api: { port: 0 }, services: [service] })));
  const daemon = spawnMarked(NODE, [CLI, 'run', '--config', config, '--state-dir', stateDir]);
  const status = async (): Promise<AgentSvc> => (JSON.parse((await runCli(['status', '--json', '--state-dir', stateDir])).stdout) as { services: AgentSvc[] }).services[0]!;
  const stop = async (): Promise<void> => {
    const s = await status().catch(() => undefined);
    signalProcess(daemon.ref, 'SIGTERM');
    await waitFor(() => !isRunning(daemon.ref), { timeoutMs: 15_000 }).catch(() => undefined);
    daemon.kill();
    if (s?.pid) killTree(pidRef(s.pid, null));
    rmSync(dir, { recursive: true, force: true });
  };
  const breakUntilAgentRuns = async (): Promise<void> => {
    const first = await status();
    writeFileSync(flag, '');
    process.kill(first.pid!, 'SIGKILL');
    await waitFor(async () => ((await status()).work?.kind === 'agent' ? true : undefined), { timeoutMs: 30_000, intervalMs: 100 });
  };
  try {
    await daemon.waitForStdout('dashboard:', 20_000);
    await waitFor(async () => (await status()).pid !== null || undefined, { timeoutMs: 20_000, intervalMs: 200 });
  } catch (err) {
    await stop();
    throw err;
  }
  return { dir, stateDir, config, daemon, status, breakUntilAgentRuns, stop };
}
