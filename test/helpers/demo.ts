// Tests, drills and benchmarks start the bundled demo gateway the same way: marked, on a free port, healthy.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { httpGet, killTree, spawnMarked, StopWaiting, waitFor, type MarkedChild } from './processes.js';

export const DEMO_GATEWAY_SERVER = fileURLToPath(new URL('../../examples/demo-gateway/server.mjs', import.meta.url));

/** Env vars the demo gateway reads; stripped from the inherited env so tests start from a known state. */
const DEMO_ENV_KEYS = [
  'PORT',
  'DEMO_GATEWAY_CONFIG',
  'DEMO_STARTUP_DELAY_MS',
  'DEMO_IGNORE_SIGTERM',
  'DEMO_CRASH_AFTER_MS',
  'DEMO_EXIT_CODE',
  'DEMO_LEAK_MB_PER_SEC',
];

export interface StartDemoGatewayOptions {
  /** Config file (--config). Without it the bundled gateway.json is used. */
  configPath?: string;
  /**
   * --port; defaults to 0 (a free port) unless configPath is given, in which case the config decides.
   * null: pass no --port at all (so env PORT or the config decides).
   */
  port?: number | null;
  /** Extra env (e.g. DEMO_IGNORE_SIGTERM: '1'). */
  env?: Record<string, string | undefined>;
  /** How long to wait for the first /health 200 (default 15 s). */
  timeoutMs?: number;
}

export interface DemoGateway {
  port: number;
  pid: number;
  child: MarkedChild;
  baseUrl: string;
  /** SIGTERM, up to 3 s to exit, then SIGKILL of the process group. Idempotent. */
  stop(): Promise<void>;
}

export interface ListeningLine {
  port: number;
  pid: number;
}

/** The first `{"msg":"listening",...}` JSON line in the gateway's stdout, if any. */
export function findListeningLine(stdout: string): ListeningLine | undefined {
  for (const line of stdout.split('\n')) {
    if (!line.includes('"listening"')) continue;
    try {
      const parsed = JSON.parse(line) as { msg?: unknown; port?: unknown; pid?: unknown };
      if (parsed.msg === 'listening' && typeof parsed.port === 'number' && typeof parsed.pid === 'number') {
        return { port: parsed.port, pid: parsed.pid };
      }
    } catch {
      // a partial line; try again on the next poll
    }
  }
  return undefined;
}

/** Spawns the demo gateway without waiting for it: for tests of failed or slow starts. */
export function spawnDemoGateway(opts: StartDemoGatewayOptions = {}): MarkedChild {
  const args = [DEMO_GATEWAY_SERVER];
  if (opts.configPath !== undefined) args.push('--config', opts.configPath);
  const port = opts.port === undefined ? (opts.configPath === undefined ? 0 : null) : opts.port;
  if (port !== null) args.push('--port', String(port));
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !DEMO_ENV_KEYS.includes(k)));
  return spawnMarked(process.execPath, args, { env: { ...inherited, ...opts.env }, inheritEnv: false });
}

/** Spawns the demo gateway and resolves once /health answers 200; kills it and throws if it does not. */
export async function startDemoGateway(opts: StartDemoGatewayOptions = {}): Promise<DemoGateway> {
  const child = spawnDemoGateway(opts);
  const timeoutMs = opts.timeoutMs ?? 15_000;
  try {
    const listening = await waitFor(
      () => {
        const found = findListeningLine(child.stdout());
        if (!found && child.exitInfo()) throw exitedEarly(child);
        return found;
      },
      { timeoutMs, intervalMs: 20, message: () => `demo gateway listening line; stderr: ${child.stderr()}` },
    );
    const baseUrl = `http://127.0.0.1:${listening.port}`;
    await waitFor(async () => {
      if (child.exitInfo()) throw exitedEarly(child);
      return (await httpGet(`${baseUrl}/health`, 1000)).status === 200;
    }, {
      timeoutMs,
      intervalMs: 20,
      message: `${baseUrl}/health to answer 200`,
    });
    return { port: listening.port, pid: child.pid, child, baseUrl, stop: () => stopDemoGateway(child) };
  } catch (e) {
    child.kill();
    await child.waitForExit(5000).catch(() => undefined);
    throw e;
  }
}

function exitedEarly(child: MarkedChild): StopWaiting {
  return new StopWaiting(
    `demo gateway exited before it was healthy: ${JSON.stringify(child.exitInfo())}\nstderr: ${child.stderr()}\nstdout: ${child.stdout()}`,
  );
}

async function stopDemoGateway(child: MarkedChild): Promise<void> {
  if (!child.exitInfo()) {
    try {
      child.signal('SIGTERM');
    } catch {
      // already gone
    }
    await child.waitForExit(3000).catch(() => undefined);
  }
  // Whatever is left in its group (or the process itself, if it ignored SIGTERM) goes now.
  killTree(child.ref);
  await child.waitForExit(5000);
}

/** Writes a gateway.json into dir: loopback, port 0, plus overrides (an undefined value drops the key). */
export async function writeDemoConfig(dir: string, overrides: Record<string, unknown> = {}): Promise<string> {
  const file = path.join(dir, 'gateway.json');
  const config = { name: 'demo-gateway', host: '127.0.0.1', port: 0, ...overrides };
  await writeFile(file, `${JSON.stringify(config, null, 2)}\n`);
  return file;
}
