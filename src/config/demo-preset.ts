// The embedded default: supervise the bundled demo gateway, so `npm start` works on a fresh machine.
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from './errors.js';
import { mkdirRecursiveSync } from '../platform/mkdir-cause.js';

/** The package root, from src/ (tests) or dist/ (installed). */
export function packageRoot(): string {
  return fileURLToPath(new URL('../../', import.meta.url));
}

export const DEMO_PORT = 18789;

/**
 * The demo gateway's port: $CLAWBACK_DEMO_PORT when set (18789 may be taken, e.g. by a real OpenClaw gateway),
 * else 18789. A bad value is a config error naming the variable, its value and what was expected.
 */
export function demoPort(env: NodeJS.ProcessEnv = process.env, stateDir?: string): number {
  const raw = env.CLAWBACK_DEMO_PORT;
  if (raw === undefined || raw === '') return stateDir ? recordedDemoPort(stateDir) ?? DEMO_PORT : DEMO_PORT;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    throw new ConfigError('(embedded demo config)', [{ path: '$CLAWBACK_DEMO_PORT', message: 'expected an integer port 1-65535', value: raw }]);
  }
  return n;
}

/** The port the last daemon on this state directory gave the demo (so `drill` without the variable finds it). */
function recordedDemoPort(stateDir: string): number | undefined {
  try {
    const n = Number(readFileSync(path.join(stateDir, 'demo', 'port'), 'utf8').trim());
    return Number.isInteger(n) && n >= 1 && n <= 65535 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** Puts the demo gateway's config in the state directory (the user's copy, safe to break in drills), and its port. */
export function prepareDemoConfig(stateDir: string, port = demoPort(process.env, stateDir)): string {
  const dir = path.join(stateDir, 'demo');
  const file = path.join(dir, 'gateway.json');
  mkdirRecursiveSync(dir, 0o700);
  if (!existsSync(file)) copyFileSync(path.join(packageRoot(), 'examples', 'demo-gateway', 'gateway.json'), file);
  writeFileSync(path.join(dir, 'port'), `${port}\n`, { mode: 0o600 });
  return file;
}

/** Raw (unvalidated) config for the demo; it goes through the schema like any user file. */
export function demoConfig(stateDir: string, port = demoPort(process.env, stateDir)): Record<string, unknown> {
  const configPath = path.join(stateDir, 'demo', 'gateway.json');
  const server = path.join(packageRoot(), 'examples', 'demo-gateway', 'server.mjs');
  return {
    services: [
      {
        name: 'demo-gateway',
        command: [process.execPath, server, '--config', configPath],
        env: { PORT: String(port) },
        port,
        configFile: { path: configPath, format: 'json', validateCommand: [process.execPath, server, '--check-config', '{file}'] },
        probes: [
          { kind: 'http', name: 'health', url: `http://127.0.0.1:${port}/health`, interval: '1s', timeout: '1s', failureThreshold: 3, startupGrace: '10s' },
          { kind: 'memory', name: 'memory', warn: '192MiB', limit: '256MiB', interval: '500ms', failureThreshold: 1 },
        ],
        doctor: { snapshotAfter: '5s' },
        drillable: true,
      },
    ],
  };
}
