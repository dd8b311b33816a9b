// The tcp probe: something accepts connections on host:port, in time.
import net from 'node:net';
import type { Clock } from '../platform/clock.js';
import type { ProbeDeps } from './probe-types.js';
import { systemClock } from '../platform/clock.js';
import type { ProbeConfigOf } from './probe-schema.js';
import { abortedByTimeout, type Probe, type ProbeResult, type ProbeTarget } from './probe-types.js';
import { connectionErrorResult, isIpLiteral, timeoutResult } from './network-outcome.js';

/** Opens and closes one connection; success when it is accepted. */
export function tcpConnectCheck(host: string, port: number, target: ProbeTarget, signal: AbortSignal, clock: Clock): Promise<ProbeResult> {
  const what = `tcp ${host}:${port}`;
  const started = clock.monotonic();
  const elapsed = (): number => clock.monotonic() - started;
  return new Promise<ProbeResult>((resolve) => {
    let phase: 'lookup' | 'connect' = isIpLiteral(host) ? 'connect' : 'lookup';
    let settled = false;
    const finish = (result: ProbeResult): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(result);
    };
    const onAbort = (): void => {
      if (abortedByTimeout(signal)) finish(timeoutResult(what, target, phase, elapsed()));
      else finish({ status: 'unknown', message: `${what}: check cancelled`, latencyMs: elapsed() });
    };
    const socket = net.connect({ host, port });
    socket.once('lookup', () => {
      phase = 'connect';
    });
    socket.once('connect', () => {
      const latencyMs = elapsed();
      finish({ status: 'success', message: `${what} accepted a connection in ${Math.round(latencyMs)} ms`, latencyMs });
    });
    socket.once('error', (err) => finish(connectionErrorResult(what, err, elapsed())));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}

export function createTcpProbe(config: ProbeConfigOf<'tcp'>, deps: ProbeDeps = {}): Probe {
  const clock = deps.clock ?? systemClock();
  return {
    kind: 'tcp',
    check: (target, signal) => tcpConnectCheck(config.host, config.port, target, signal, clock),
  };
}
