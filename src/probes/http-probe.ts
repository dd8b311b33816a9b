// The http probe: the service answers its health URL with an expected status and body, in time.
import type { ProbeDeps } from './probe-types.js';
import { systemClock } from '../platform/clock.js';
import type { ProbeConfigOf, StatusSpec } from './probe-schema.js';
import type { Probe, ProbeResult, ProbeTarget } from './probe-types.js';
import { formatBytes } from './byte-size.js';
import { DEFAULT_MAX_BODY, httpExchange, type HttpExchange } from './http-exchange.js';
import { speaksTls, tlsPortResult } from './tls-port-sniff.js';
import { KeptSocket, prepareHttpRequest, socketHttpExchange, type PreparedHttpRequest } from './http-socket-exchange.js';

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
  // One connection kept for this probe (unref'd while idle, dropped when the server closes it or it is 30 s old).
  const kept = new KeptSocket(clock);
  // http:// requests are built once here, not on every check; https:// (or a header that cannot be
  // sent) goes through httpExchange, which reports the problem per check.
  const prepared = prepareOnce(config);
  const spec = { url: config.url, method: config.method, headers: config.headers, body: config.body, insecure: config.insecure, kept };
  const what = `${config.method} ${config.url}`;
  // A healthy service answers the same status in about the same time, check after check: the success
  // message and details are rebuilt only when the status or the rounded latency changes.
  let okStatus = -1;
  let okMs = -1;
  let okMessage = '';
  let okDetails: Record<string, unknown> = {};
  return {
    kind: 'http',
    dispose: () => kept.close(),
    async check(target: ProbeTarget, signal: AbortSignal): Promise<ProbeResult> {
      const result = await judge(target, signal);
      // A plain http:// check that found the port closed or refusing the request may have spoken to a TLS-only port:
      // the service answers (over https://), and judged down it was restarted at every failure threshold, for ever.
      if (prepared === undefined || result.status !== 'failure' || !tlsSuspect(result) || signal.aborted) return result;
      return (await speaksTls(prepared.host, prepared.port, signal)) ? tlsPortResult(what, new URL(config.url), result) : result;
    },
  };

  async function judge(target: ProbeTarget, signal: AbortSignal): Promise<ProbeResult> {
    const exchange: HttpExchange = prepared
      ? await socketHttpExchange(prepared, target, signal, clock, kept)
      : await httpExchange(spec, target, signal, clock);
    if (exchange.kind === 'no-answer') return exchange.result;
    const { status, body, latencyMs } = exchange;
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
    if (exchange.incomplete) {
      // A half answer (the service died or dropped the connection mid-body): the health endpoint did not answer.
      return {
        status: 'failure',
        finding: 'down',
        message: `${what} answered ${status} but the connection closed before the end of the answer`,
        latencyMs,
        value: status,
        details: { httpStatus: status, body: body.slice(0, 500), code: 'INCOMPLETE' },
      };
    }
    // Only the first DEFAULT_MAX_BODY bytes are read (a 50 MB answer is not): a body check that fails on a cut body
    // judged the part read, not the answer. Counted as a mismatch, a healthy service whose health JSON outgrew the
    // limit (or put the marker after it) was restarted at every failure threshold, for ever.
    const cut = (what: string): ProbeResult => ({
      status: 'unknown',
      message: `${what} answered ${status} with a body over ${formatBytes(DEFAULT_MAX_BODY)}, of which only the first ${formatBytes(DEFAULT_MAX_BODY)} are read: cannot check ${config.bodyContains !== undefined ? `bodyContains ${JSON.stringify(config.bodyContains)}` : 'the JSON body'} (point the probe at a smaller health answer)`,
      latencyMs,
      value: status,
      details: { httpStatus: status, body: body.slice(0, 500), truncated: true, maxBodyBytes: DEFAULT_MAX_BODY },
    });
    if (config.bodyContains !== undefined && !body.includes(config.bodyContains)) {
      if (exchange.truncated) return cut(what);
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
        if (exchange.truncated) return cut(what);
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
    const ms = Math.round(latencyMs);
    if (status !== okStatus) {
      okStatus = status;
      okDetails = { httpStatus: status };
      okMs = -1;
    }
    if (ms !== okMs) {
      okMs = ms;
      okMessage = `${what} answered ${status} in ${ms} ms`;
    }
    return { status: 'success', message: okMessage, latencyMs, value: status, details: okDetails };
  }
}

/** A failure a TLS-only port gives a plain HTTP request: closed or garbled (Node, Go) or refused with 400 (nginx, Caddy). */
function tlsSuspect(r: ProbeResult): boolean {
  if (r.finding === 'down') return r.details?.['code'] !== 'ECONNREFUSED' && r.details?.['phase'] === undefined;
  return r.finding === 'http-status' && r.value === 400;
}

function prepareOnce(config: ProbeConfigOf<'http'>): PreparedHttpRequest | undefined {
  try {
    const url = new URL(config.url);
    if (url.protocol !== 'http:') return undefined;
    return prepareHttpRequest(url, { method: config.method, headers: config.headers, body: config.body, maxBodyBytes: DEFAULT_MAX_BODY });
  } catch {
    return undefined;
  }
}
