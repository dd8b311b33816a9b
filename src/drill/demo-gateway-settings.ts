// What the demo gateway's own config says about its dependency and data dir, and where it reports readiness: the inputs of the dependency-down and disk-full drills.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ServiceConfig } from '../config/schema.js';
import type { ServingCheck } from './target.js';
import { isDemoGateway } from './target.js';
import { urlHost } from '../platform/url-host.js';

export interface DemoGatewaySettings {
  /** dependency.url: what the gateway checks before it says it is ready. */
  dependencyUrl: string | undefined;
  /** dataDir (absolute): where the gateway saves its record. */
  dataDir: string | undefined;
}

/** The demo gateway's settings from its JSON config file, or a reason why there are none. */
export function demoGatewaySettings(service: ServiceConfig): DemoGatewaySettings | string {
  if (!isDemoGateway(service)) return 'not applicable: only the demo gateway (examples/demo-gateway) has a dependency and a data dir the drill knows';
  const file = service.configFile;
  if (!file || file.format !== 'json') return 'not applicable: the demo gateway has no JSON configFile to read';
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file.path, 'utf8'));
  } catch (err) {
    return `not applicable: ${file.path} cannot be read as JSON (${(err as Error).message})`;
  }
  const o = (raw ?? {}) as { dependency?: { url?: unknown }; dataDir?: unknown };
  const dependencyUrl = typeof o.dependency?.url === 'string' ? o.dependency.url : undefined;
  const dataDir = typeof o.dataDir === 'string' && o.dataDir !== '' ? path.resolve(path.dirname(file.path), o.dataDir) : undefined;
  return { dependencyUrl, dataDir };
}

/** The demo gateway's readiness URL (/readyz beside its health check). */
export function readinessUrlOf(check: ServingCheck): string | undefined {
  if (check.kind === 'http') return new URL('/readyz', check.url).toString();
  if (check.kind === 'tcp') return `http://${urlHost(check.host)}:${check.port}/readyz`;
  return undefined;
}

/**
 * How long a dependency stays down or a disk full: three times the longest time a restarting probe needs to
 * judge the service (interval x threshold + timeout), between 5 s and 60 s. Long enough that a liveness probe
 * wrongly tied to readiness would have restarted it, short enough for a soak.
 */
export function outageHoldMs(service: ServiceConfig): number {
  const windows = service.probes
    .filter((p) => p.action === 'restart')
    .map((p) => p.interval * p.failureThreshold + p.timeout);
  const longest = windows.length ? Math.max(...windows) : 5000;
  return Math.min(60_000, Math.max(5000, 3 * longest));
}
