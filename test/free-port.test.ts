// freePort()/freePortRun() hand a test a port its service binds later (0.5-3 s under load): nothing else on the
// machine may take that port in the gap. A port the kernel chose (listen(0), close) could be taken by any other
// listen(0) or connect() of the other vitest worker; measured with two such workers (listen(0) 20/s, connects 100/s,
// a gap of 0-1.5 s): 3 of 341 freePort() ports and 4 of 687 ports of 3-port runs were taken (EADDRINUSE).
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { PORT_STRIDE, freePort, freePortRun, workerSlice } from './helpers/ports.js';

const [EPHEMERAL_LOW, EPHEMERAL_HIGH] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number) as [number, number];
const inEphemeralRange = (port: number): boolean => port >= EPHEMERAL_LOW && port <= EPHEMERAL_HIGH;

function listenOn(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

const close = (server: net.Server): Promise<void> => new Promise((r) => server.close(() => r()));

describe('freePort and freePortRun', () => {
  it('give ports the kernel never hands out on its own (outside its ephemeral range), free and bindable', async () => {
    const ports = [await freePort(), await freePort(), await freePortRun(3), await freePort()];
    for (const port of ports) expect(inEphemeralRange(port), `port ${port} in ${EPHEMERAL_LOW}-${EPHEMERAL_HIGH}`).toBe(false);
    const base = ports[2]!;
    const servers = await Promise.all([ports[0]!, ports[1]!, base, base + 1, base + 2, ports[3]!].map(listenOn));
    await Promise.all(servers.map(close));
  });

  it('a port handed out stays free while the kernel hands out 2000 ports to listeners and connections', async () => {
    const port = await freePort();
    const run = await freePortRun(3);
    const held: net.Server[] = [];
    const taken = new Set<number>();
    try {
      for (let i = 0; i < 1000; i++) {
        const server = await listenOn(0);
        held.push(server);
        taken.add((server.address() as net.AddressInfo).port);
        if (held.length > 200) await close(held.shift()!);
      }
      const target = (held[held.length - 1]!.address() as net.AddressInfo).port;
      for (let i = 0; i < 1000; i++) {
        await new Promise<void>((resolve) => {
          const socket = net.connect(target, '127.0.0.1', () => {
            taken.add(socket.localPort!);
            socket.destroy();
            resolve();
          });
          socket.once('error', () => resolve());
        });
      }
    } finally {
      await Promise.all(held.map(close));
    }
    for (const p of [port, run, run + 1, run + 2]) expect(taken.has(p), `port ${p} was handed out by the kernel meanwhile`).toBe(false);
    const servers = await Promise.all([port, run, run + 1, run + 2].map(listenOn));
    await Promise.all(servers.map(close));
  });

  it('never give the same port twice in a file, nor ports a service could derive from the previous one', async () => {
    const ports: number[] = [];
    for (let i = 0; i < 40; i++) ports.push(await freePort());
    expect(new Set(ports).size).toBe(40);
    const sorted = [...ports].sort((a, b) => a - b);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i]! - sorted[i - 1]!).toBeGreaterThanOrEqual(PORT_STRIDE);
  });

  it('stay, with the ports a service derives from them, inside this worker\'s ports, also once the slice wraps around', async () => {
    const slice = workerSlice()!;
    for (let i = 0; i < 2 * (slice.size / PORT_STRIDE); i++) {
      const port = await freePort();
      expect(port).toBeGreaterThanOrEqual(slice.low);
      expect(port + PORT_STRIDE - 1).toBeLessThan(slice.low + slice.size);
    }
  });

  it('give each vitest worker its own ports', () => {
    const slices = ['1', '2', '3', '4'].map((pool) => workerSlice(pool)!);
    for (const [i, a] of slices.entries()) {
      expect(a.low + a.size - 1).toBeLessThan(EPHEMERAL_LOW);
      for (const b of slices.slice(i + 1)) expect(a.low + a.size <= b.low || b.low + b.size <= a.low, `${JSON.stringify(a)} and ${JSON.stringify(b)} overlap`).toBe(true);
    }
  });
});
