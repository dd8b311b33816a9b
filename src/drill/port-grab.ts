// A foreign listener for the port-steal drill: the drill process itself takes the service's port and refuses every connection.
import net from 'node:net';
import type { Clock } from '../platform/clock.js';

export interface HeldPort {
  port: number;
  host: string;
  listening(): boolean;
  /** Stops listening; resolves once the port is free. Idempotent. */
  release(): Promise<void>;
}

function tryListen(host: string, port: number): Promise<net.Server | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer((socket) => socket.destroy());
    server.once('error', () => resolve(undefined));
    server.listen({ host, port, exclusive: true }, () => resolve(server));
  });
}

/** Retries binding host:port every few ms (the old owner is dying) until it works or timeoutMs passes. */
export async function grabPort(host: string, port: number, clock: Clock, timeoutMs: number): Promise<HeldPort | undefined> {
  const deadline = clock.monotonic() + timeoutMs;
  for (;;) {
    const server = await tryListen(host, port);
    if (server) {
      let released: Promise<void> | undefined;
      return {
        port,
        host,
        listening: () => server.listening,
        release: () => (released ??= new Promise<void>((resolve) => server.close(() => resolve()))),
      };
    }
    if (clock.monotonic() >= deadline) return undefined;
    await clock.sleep(3);
  }
}
