// The http probe: the service answers its health URL with an expected status and body, in time.
import http from 'node:http';
import type { ProbeDeps } from './probe-types.js';
import { systemClock } from '../platform/clock.js';
import type { ProbeConfigOf, StatusSpec } from './probe-schema.js';
import type { Probe, ProbeResult, ProbeTarget } from './probe-types.js';
import { httpExchange } from './http-exchange.js';

/** True when status matches one of the specs (200, "200-299", "2xx"); no specs means 200-399. */
export function statusMatches(status: number, specs: readonly StatusSpec[] | undefined): boolean {
  if (specs === undefined || specs.length === 0) return status >= 200 && status <= 399;
  return specs.some((spec) => {
    if (typeof spec === 'number') return status === spec;
    const wildcard = /^([1-5])xx$/.exec(spec);
    if (wildcard) return Math.floor(status / 100) === Number(wildcard[1]);
    const [lo, hi] = spec.split('-').map(Number);
    return status >= lo! && status <= (hi ?? lo!);
  });
}

/** The value at a dotted path ("checks.db.ok", "items.0.id") of a parsed JSON value; "" is the root. */
export function jsonAtPath(value: unknown, path: string): { found: boolean; value?: unknown } {
  let current: unknown = value;
  if (path === '') return { found: true, value: current };
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object' || !Object.prototype.hasOwnProperty.call(current, key)) return { found: false };
    current = (current as Record<string, unknown>)[key];
  }
  return { found: true, value: current };
}

export function createHttpProbe(config: ProbeConfigOf<'http'>, deps: ProbeDeps = {}): Probe {
  const clock = deps.clock ?? systemClock();
  // One connection kept for this probe; idle sockets are unref'd by the agent and closed by the server.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1, maxFreeSockets: 1 });
  return {
    kind: 'http',
    async check(target: ProbeTarget, signal: AbortSignal): Promise<ProbeResult> {
      const exchange = await httpExchange(
        { url: config.url, method: config.method, headers: config.headers, body: config.body, insecure: config.insecure, agent },
        target,
        signal,
        clock,
      );
      if (exchange.kind === 'no-answer') return exchange.result;
      const { status, body, latencyMs } = exchange;
      const what = `${config.method} ${config.url}`;
      if (!statusMatches(status, config.expectStatus)) {
        return {
          status: 'failure',
          finding: 'http-status',
          message: `${what} answered ${status}`,
          latencyMs,
          value: status,
          details: { httpStatus: status, body: body.slice(0, 500) },
        };
      }
      if (config.bodyContains !== undefined && !body.includes(config.bodyContains)) {
        return {
          status: 'failure',
          finding: 'body-mismatch',
          message: `${what} answered ${status} without ${JSON.stringify(config.bodyContains)} in the body`,
          latencyMs,
          value: status,
          details: { httpStatus: status, body: body.slice(0, 500) },
        };
      }
      if (config.json !== undefined) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(body) as unknown;
        } catch {
          return {
            status: 'failure',
            finding: 'body-mismatch',
            message: `${what} answered ${status} with a body that is not JSON`,
            latencyMs,
            value: status,
            details: { httpStatus: status, body: body.slice(0, 500) },
          };
        }
        const at = jsonAtPath(parsed, config.json.path);
        if (!at.found || at.value !== config.json.equals) {
          return {
            status: 'failure',
            finding: 'body-mismatch',
            message: `${what}: ${config.json.path || '(body)'} is ${at.found ? JSON.stringify(at.value) : 'missing'}, expected ${JSON.stringify(config.json.equals)}`,
            latencyMs,
            value: status,
            details: { httpStatus: status, body: body.slice(0, 500) },
          };
        }
      }
      return { status: 'success', message: `${what} answered ${status} in ${Math.round(latencyMs)} ms`, latencyMs, value: status, details: { httpStatus: status } };
    },
  };
}
