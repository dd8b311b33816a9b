// Tells a plain http:// probe that failed whether its port speaks TLS: such a service answers, only over https://, and a restart cannot change that.
import net from 'node:net';
import tls from 'node:tls';
import type { ProbeResult } from './probe-types.js';

/** True when a TLS handshake (certificate not checked) completes on host:port before the signal aborts. */
export function speaksTls(host: string, port: number, signal: AbortSignal): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    if (signal.aborted) {
      resolve(false);
      return;
    }
    const bare = host.replace(/^\[|\]$/g, '');
    const socket = tls.connect({ host: bare, port, rejectUnauthorized: false, ...(net.isIP(bare) === 0 ? { servername: bare } : {}) });
    let done = false;
    const finish = (yes: boolean): void => {
      if (done) return;
      done = true;
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(yes);
    };
    const onAbort = (): void => finish(false);
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('secureConnect', () => finish(true));
    socket.once('error', () => finish(false));
    socket.once('close', () => finish(false));
  });
}

/** The unknown result that replaces a failure of an http:// probe whose port completed a TLS handshake. */
export function tlsPortResult(what: string, url: URL, failed: ProbeResult): ProbeResult {
  const https = new URL(url.href);
  https.protocol = 'https:';
  return {
    status: 'unknown',
    message: `${what}: this port speaks TLS: use https:// (${https.href}, with insecure: true for a self-signed certificate); a restart cannot change it (plain HTTP got: ${failed.message})`,
    ...(failed.latencyMs !== undefined ? { latencyMs: failed.latencyMs } : {}),
    details: { ...(failed.details ?? {}), tlsPort: true, discarded: failed.finding ?? null },
  };
}
