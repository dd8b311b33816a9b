// Test harness for drills: a real `clawback run` on the demo gateway (or a fixture), and a cleanup that finds whichever daemon is alive at the end.
import { afterAll, beforeAll } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { NODE, FIXTURES, markServices, tempDir } from '../helpers/daemon.js';
import { CLI, runCli } from '../helpers/cli.js';
import { isRunning, killTree, pidRef, signalProcess, spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';
import { freePort } from '../helpers/ports.js';
import { DEMO_GATEWAY_SERVER } from '../helpers/demo.js';

export const GATEWAY_JSON = `${JSON.stringify({ name: 'demo-gateway', host: '127.0.0.1', port: 0 }, null, 2)}\n`;

export interface DrillDaemon {
  dir: string;
  stateDir: string;
  config: string;
  gatewayConfig: string;
  port: number;
  daemon: MarkedChild;
  stop(): Promise<void>;
}

/** The drilled service's entry in `clawback status --json` (the drill daemons supervise one service). */
export async function drilledStatus<T>(stateDir: string): Promise<T> {
  return (JSON.parse((await runCli(['status', '--json', '--state-dir', stateDir])).stdout) as { services: T[] }).services[0]!;
}

export interface GatewayExtras {
  /** Extra keys for the gateway's own config (dependency, dataDir). */
  gateway?: Record<string, unknown>;
  /** Add a notify-only readiness probe on /readyz (as the OpenClaw preset has). */
  readiness?: boolean;
  /** Environment of the gateway (DEMO_STARTUP_DELAY_MS: every start, and so every restart's outage, lasts at least that). */
  env?: Record<string, string>;
  /** Consecutive failures of the health probe before its verdict (default 2). */
  healthFailureThreshold?: number;
  /** More probes of the service (e.g. a command probe that fails for a reason no drill causes). */
  probes?: Record<string, unknown>[];
  /** The service's lockFiles (the demo gateway takes one with env DEMO_LOCK_FILE). */
  lockFiles?: string[];
  /** The service's `emergency:` section (Level 3). */
  emergency?: Record<string, unknown>;
  /**
   * A shell gate in front of the gateway: it exits 78 at once while this file exists, before Node starts (a service whose
   * launcher refuses a left lock). A new instance then always refuses before a drill can kill it: the config hold wins.
   */
  exit78OnFile?: string;
  /** Runs this instead of the demo gateway (it must listen on {port}, replaced by the service's port), e.g. a slow-answering server. */
  command?: string[];
  /** The health probe's timeout (default 500ms). */
  healthTimeout?: string;
  /** Where the health probe looks (default the gateway's own /health), e.g. a slow proxy in front of it. */
  healthUrl?: (port: number) => string;
  /** More keys of the service's `doctor:` section (e.g. a slow `command`). */
  doctor?: Record<string, unknown>;
  /** Seconds the config validator sleeps before it checks (a slow validator: every doctor run that snapshots waits that long). */
  validateDelayS?: number;
  /** Where the gateway's config is, relative to the drill's dir (default gateway.json; `state/...` is inside the state dir). */
  gatewayConfigAt?: string;
}

function gatewayService(dir: string, port: number, extras: GatewayExtras = {}): Record<string, unknown> {
  const gatewayConfig = path.join(dir, extras.gatewayConfigAt ?? 'gateway.json');
  return {
    name: 'gw',
    command: extras.command
      ? extras.command.map((a) => a.replace('{port}', String(port)))
      : extras.exit78OnFile
      ? ['/bin/sh', '-c', 'if [ -e "$0" ]; then echo "lock $0 is left: refusing to start" >&2; exit 78; fi; exec "$@"', extras.exit78OnFile, NODE, DEMO_GATEWAY_SERVER, '--config', gatewayConfig, '--port', String(port)]
      : [NODE, DEMO_GATEWAY_SERVER, '--config', gatewayConfig, '--port', String(port)],
    ...(extras.env ? { env: extras.env } : {}),
    ...(extras.lockFiles ? { lockFiles: extras.lockFiles } : {}),
    port,
    // protect: the drills' repairs are held to the same rule as every other (test/helpers/protected-harm.ts).
    configFile: { path: gatewayConfig, format: 'json', validateCommand: extras.validateDelayS ? ['/bin/sh', '-c', `sleep ${extras.validateDelayS}; exec "$@"`, 'validate', NODE, DEMO_GATEWAY_SERVER, '--check-config', '{file}'] : [NODE, DEMO_GATEWAY_SERVER, '--check-config', '{file}'], protect: ['name', 'host', 'port'] },
    restart: { backoff: { initial: '100ms', max: '1s', jitter: 0 }, intensity: { maxRestarts: 4, window: '1m' } },
    stop: { grace: '2s' },
    doctor: { snapshotAfter: '1s', ...extras.doctor },
    probes: [
      { kind: 'http', name: 'health', url: extras.healthUrl?.(port) ?? `http://127.0.0.1:${port}/health`, interval: '300ms', timeout: extras.healthTimeout ?? '500ms', failureThreshold: extras.healthFailureThreshold ?? 2, startupGrace: '5s' },
      { kind: 'memory', name: 'memory', limit: '200MiB', interval: '500ms', failureThreshold: 1 },
      ...(extras.readiness ? [{ kind: 'http', name: 'readiness', url: `http://127.0.0.1:${port}/readyz`, interval: '300ms', timeout: '500ms', failureThreshold: 2, action: 'notify' }] : []),
      ...(extras.probes ?? []),
    ],
    drillable: true,
    ...(extras.emergency ? { emergency: extras.emergency } : {}),
  };
}

/** Starts `clawback run` on the demo gateway (drillable) or, with `sleeper`, on a non-drillable fixture. */
export async function startDrillDaemon(kind: 'gateway' | 'sleeper', extras: GatewayExtras = {}): Promise<DrillDaemon> {
  const dir = tempDir('clawback-drill-');
  const port = await freePort();
  const gatewayConfig = path.join(dir, extras.gatewayConfigAt ?? 'gateway.json');
  mkdirSync(path.dirname(gatewayConfig), { recursive: true });
  writeFileSync(gatewayConfig, extras.gateway ? `${JSON.stringify({ ...(JSON.parse(GATEWAY_JSON) as object), ...extras.gateway }, null, 2)}\n` : GATEWAY_JSON);
  const service = kind === 'gateway' ? gatewayService(dir, port, extras) : { name: 'quiet', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] };
  const config = path.join(dir, 'clawback.yaml');
  writeFileSync(config, YAML.stringify(markServices({ api: { port: 0 }, services: [service] })));
  const stateDir = path.join(dir, 'state');
  const daemon = spawnMarked(NODE, [CLI, 'run', '--config', config, '--state-dir', stateDir]);
  const d: DrillDaemon = { dir, stateDir, config, gatewayConfig, port, daemon, stop: () => stopAll(d) };
  try {
    await daemon.waitForStdout('dashboard:', 20_000);
    await waitFor(async () => {
      const r = await runCli(['status', '--json', '--state-dir', stateDir]);
      const j = JSON.parse(r.stdout) as { services: Array<{ health: string; pid: number | null }> };
      return j.services[0]!.health === 'healthy' || (kind === 'sleeper' && j.services[0]!.pid !== null);
    }, { timeoutMs: 20_000, intervalMs: 200 });
  } catch (e) {
    await stopAll(d);
    throw e;
  }
  return d;
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** Stops whichever daemon now runs for the state dir (a drill may have replaced it), then anything left. */
async function stopAll(d: DrillDaemon): Promise<void> {
  // Pids as these files recorded them, with their start times: a daemon or service that is gone by now left its number
  // to whoever took it next (pids wrap on CI), and that process is not ours to signal.
  const info = readJson<{ pid: number; pidStartTime?: number | null }>(path.join(d.stateDir, 'daemon.json'));
  const state = readJson<{ services: Record<string, { record: { instance: { pid: number; pidStartTime?: number | null } | null } }> }>(path.join(d.stateDir, 'state.json'));
  const services = Object.values(state?.services ?? {}).flatMap((s) => (s.record.instance ? [pidRef(s.record.instance.pid, s.record.instance.pidStartTime ?? null)] : []));
  const daemons = [...(info?.pid ? [pidRef(info.pid, info.pidStartTime ?? null)] : []), d.daemon.ref];
  for (const ref of daemons) signalProcess(ref, 'SIGTERM');
  await waitFor(() => !daemons.some(isRunning), { timeoutMs: 15_000 }).catch(() => undefined);
  for (const ref of [...daemons, ...services]) killTree(ref);
  d.daemon.kill();
}

/**
 * One drill daemon for the describe block it is called in: started before its tests, stopped after them. The returned
 * object is filled in when the daemon is up (read its fields inside the tests).
 */
export function drillDaemonPerFile(kind: 'gateway' | 'sleeper', extras: GatewayExtras = {}, startTimeoutMs = 60_000): DrillDaemon {
  const d = {} as DrillDaemon;
  beforeAll(async () => {
    Object.assign(d, await startDrillDaemon(kind, extras));
  }, startTimeoutMs);
  afterAll(async () => {
    await d.stop?.();
  });
  return d;
}
