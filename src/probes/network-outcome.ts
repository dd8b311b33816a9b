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

/**
 * The TLS handshake completed but the peer's certificate was not accepted (self-signed, expired, wrong name): the
 * service answered, and a restart cannot change its certificate. Counted as 'down', a healthy https service whose
 * probe lacked `insecure: true` was restarted at every failure threshold, for ever.
 */
const TLS_CERTIFICATE_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_REVOKED',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** True when err is a certificate the probe did not accept (the TLS handshake itself was answered). */
export function isTlsCertificateError(err: unknown): boolean {
  const code = errorCode(err);
  return code !== undefined && TLS_CERTIFICATE_CODES.has(code);
}

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
  if (code !== undefined && TLS_CERTIFICATE_CODES.has(code)) {
    return {
      status: 'unknown',
      message: `${what}: the service answered but its TLS certificate was not accepted (${code}): ${message}; a restart cannot change it (set insecure: true on the probe for a self-signed certificate)`,
      latencyMs,
      details: { code, tlsCertificate: true },
    };
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
export function timeoutResult(what: string, target: ProbeTarget, timeoutPhase: 'lookup' | 'connect' | 'response', latencyMs: number, answeredStatus = 0): ProbeResult {
  if (timeoutPhase === 'lookup') {
    return { status: 'unknown', message: `${what}: name resolution did not finish in time`, latencyMs, details: { phase: timeoutPhase } };
  }
  const alive = target.pid !== undefined && isAlive(target.pid);
  return {
    status: 'failure',
    finding: alive ? 'hang' : 'down',
    // A status that arrived before the stall (the body, or the rest of the head, never came): said so, not "no response".
    message: `${what}: ${answeredStatus > 0 ? `status ${answeredStatus} arrived but the response did not finish` : `no ${timeoutPhase === 'connect' ? 'connection' : 'response'}`} in ${Math.round(latencyMs)} ms${alive ? ' while the process is alive' : ''}`,
    latencyMs,
    details: { phase: timeoutPhase, processAlive: alive, ...(answeredStatus > 0 ? { status: answeredStatus } : {}) },
  };
}

/** True when host needs no DNS lookup. */
export function isIpLiteral(host: string): boolean {
  return net.isIP(host.replace(/^\[|\]$/g, '')) !== 0;
}
