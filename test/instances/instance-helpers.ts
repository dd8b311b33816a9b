// Shared parts of the instance tests: a run of free consecutive ports, the fixture's service entry, small waits.
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import type { Daemon } from '../../src/daemon/daemon.js';
import { httpGet, waitFor } from '../helpers/processes.js';

export const INSTANCE_SERVER = fileURLToPath(new URL('../fixtures/instance-server.mjs', import.meta.url));

/** A base port with `count` free ports from it, below the kernel's ephemeral range (see helpers/ports.ts). */
export { freePortRun } from '../helpers/ports.js';

/** The fixture as a scaled service: one HTTP instance per port, an http probe on {port}. */
export function webService(base: number, instances: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'web',
    command: [process.execPath, INSTANCE_SERVER, '{port}'],
    port: base,
    instances,
    stop: { grace: '2s' },
    probes: [{ kind: 'http', url: 'http://127.0.0.1:{port}/', interval: '200ms', timeout: '1s', failureThreshold: 2, startupGrace: '10s' }],
    ...extra,
  };
}

export function pidsOf(daemon: Daemon): Record<string, number | null> {
  return Object.fromEntries([...daemon.runtimes.values()].map((rt) => [rt.name, rt.status().pid]));
}

export async function waitHealthy(daemon: Daemon, names: string[], timeoutMs = 20_000): Promise<void> {
  await waitFor(() => names.every((n) => daemon.runtimes.get(n)?.status().health === 'healthy'), {
    timeoutMs,
    message: () => `healthy: ${names.join(', ')} (now ${[...daemon.runtimes.values()].map((r) => `${r.name}=${r.status().state}/${r.status().health}`).join(' ')})`,
  });
}

/** What the instance on `port` says about itself, or null when nothing answers. */
export async function whoIsOn(port: number): Promise<{ instance: string | null; pid: number } | null> {
  try {
    const r = await httpGet(`http://127.0.0.1:${port}/`, 1000);
    return JSON.parse(r.body) as { instance: string | null; pid: number };
  } catch {
    return null;
  }
}

/**
 * Another program on a port (a stranger to the daemon) for the tests of one file: take(port) listens on 127.0.0.1,
 * free() closes it (the port is free again); whatever is left is closed after each test.
 */
export function portStranger(): { take(port: number): Promise<void>; free(): Promise<void> } {
  let server: net.Server | undefined;
  const free = async (): Promise<void> => {
    const s = server;
    server = undefined;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  };
  afterEach(free);
  return {
    async take(port) {
      const s = net.createServer();
      server = s;
      await new Promise<void>((resolve) => s.listen(port, '127.0.0.1', resolve));
    },
    free,
  };
}
