// One place decides what a failed connection means: the service is down, hung, or the probe could not run.
import net from 'node:net';
import { isAlive } from '../platform/proc.js';
import type { ProbeResult, ProbeTarget } from './probe-types.js';

/** Resolver errors: the probe's own problem, not the service's. */
const PROBE_SIDE_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'ENETUNREACH', 'ENETDOWN']);

/**
 * The daemon itself is out of descriptors or kernel memory: its socket could not even be made, so the service was
 * never asked. Counted as a failure, every healthy service was restarted (into a spawn that failed the same way).
 */
const DAEMON_EXHAUSTED_CODES = new Set(['EMFILE', 'ENFILE', 'ENOBUFS', 'ENOMEM']);

export function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** A connection error (not a timeout) as a probe result. */
export function connectionErrorResult(what: string, err: unknown, latencyMs: number): ProbeResult {
  const code = errorCode(err);
  const message = err instanceof Error ? err.message : String(err);
  if (code !== undefined && PROBE_SIDE_CODES.has(code)) {
    return { status: 'unknown', message: `${what}: cannot resolve or reach the target (${code}): ${message}`, latencyMs, details: { code } };
  }
  if (code !== undefined && DAEMON_EXHAUSTED_CODES.has(code)) {
    return { status: 'unknown', message: `${what}: the probe could not open a connection: clawback is out of resources (${code}): ${message}`, latencyMs, details: { code } };
  }
  return {
    status: 'failure',
    finding: 'down',
    message: `${what}: ${code === 'ECONNREFUSED' ? 'connection refused' : message}`,
    latencyMs,
    details: { code: code ?? null },
  };
}

/**
 * The check ran out of time. While the name was still being resolved the probe could not run
 * (unknown); otherwise a live process that does not answer is hung, a dead one is down.
 */
export function timeoutResult(what: string, target: ProbeTarget, timeoutPhase: 'lookup' | 'connect' | 'response', latencyMs: number): ProbeResult {
  if (timeoutPhase === 'lookup') {
    return { status: 'unknown', message: `${what}: name resolution did not finish in time`, latencyMs, details: { phase: timeoutPhase } };
  }
  const alive = target.pid !== undefined && isAlive(target.pid);
  return {
    status: 'failure',
    finding: alive ? 'hang' : 'down',
    message: `${what}: no ${timeoutPhase === 'connect' ? 'connection' : 'response'} in ${Math.round(latencyMs)} ms${alive ? ' while the process is alive' : ''}`,
    latencyMs,
    details: { phase: timeoutPhase, processAlive: alive },
  };
}

/** True when host needs no DNS lookup. */
export function isIpLiteral(host: string): boolean {
  return net.isIP(host.replace(/^\[|\]$/g, '')) !== 0;
}
