// Tests need real ports that stay free until their service binds them. A port the kernel picks (listen on port 0, then
// close) lies in its ephemeral range, where every listen(0) and connect() of both vitest workers (and of other runs on
// the machine) may take it in the gap before the test's service binds it (EADDRINUSE). So ports come from below that
// range, where the kernel never hands out a port on its own: a slice per vitest worker, given out in turn, each checked.
import { readFileSync } from 'node:fs';
import net from 'node:net';

/** Lowest port handed out: below it sit the well-known and registered ports of common local services. */
const REGION_LOW = 4096;
/** Slices of the region, one per vitest worker (VITEST_POOL_ID 1..maxWorkers, modulo this). */
const SLICES = 4;
/**
 * Ports between two hand-outs: a service may derive more ports from its own (OpenClaw: +1, +2, +4, a browser range
 * +11..+110), which must not be the next test's port. A run of count ports (freePortRun) takes whole blocks.
 */
export const PORT_STRIDE = 128;

export interface Slice {
  low: number;
  size: number;
}

/** A vitest worker's part of the ports below the kernel's ephemeral range, or undefined when there is no room for one. */
export function workerSlice(poolId = process.env.VITEST_POOL_ID): Slice | undefined {
  let ephemeralLow = 32768;
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (low !== undefined && Number.isInteger(low)) ephemeralLow = low;
  } catch {
    // not Linux: the usual default
  }
  const size = Math.floor((ephemeralLow - REGION_LOW) / SLICES);
  if (size < PORT_STRIDE * 8) return undefined;
  const pool = Number(poolId ?? 1);
  const index = ((Number.isInteger(pool) && pool > 0 ? pool : 1) - 1) % SLICES;
  return { low: REGION_LOW + index * size, size };
}

/**
 * Where this test file's next block starts, as an offset into its slice. The one piece of state of this helper: a
 * cursor, so a file never gets a port it was given before while that one may still be waiting to be bound. It starts
 * at a random place, so files run one after another in a worker (and other runs on the machine) do not start together.
 */
const cursor = { offset: -1 };

/** True when nothing holds 127.0.0.1:port (nor the wildcard address) right now. */
export function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** The kernel's choice (listen on 127.0.0.1:0, close): the fallback where the ephemeral range leaves no room below it. */
function kernelPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('freePort: server has no TCP address'));
        return;
      }
      const port = address.port;
      server.close((err) => (err ? reject(err) : resolve(port)));
    });
  });
}

/** The first port of count consecutive ports, all free now, from this worker's slice (outside the kernel's ephemeral range). */
export async function freePortRun(count: number): Promise<number> {
  if (!Number.isInteger(count) || count < 1 || count > PORT_STRIDE) throw new Error(`freePortRun: count must be 1..${PORT_STRIDE}, got ${count}`);
  const slice = workerSlice();
  if (slice === undefined) {
    if (count === 1) return kernelPort();
    throw new Error('freePortRun: no room below the ephemeral port range');
  }
  const blocks = Math.floor(slice.size / PORT_STRIDE);
  const span = Math.ceil(count / PORT_STRIDE) * PORT_STRIDE;
  if (cursor.offset < 0) cursor.offset = Math.floor(Math.random() * slice.size);
  // At most one pass over the slice: a block with a port in use (someone else's listener) is skipped.
  for (let tried = 0; tried < blocks; tried++) {
    // Whole blocks inside the slice: what a service derives from its port (up to +127) stays in this worker's ports.
    if (cursor.offset + span > slice.size) cursor.offset = cursor.offset % PORT_STRIDE;
    const base = slice.low + cursor.offset;
    cursor.offset += span;
    let free = true;
    for (let i = 0; i < count && free; i++) free = await canListen(base + i);
    if (free) return base;
  }
  throw new Error(`freePortRun: no run of ${count} free ports in ${slice.low}-${slice.low + slice.size - 1}`);
}

/** A port that is free now and that neither the kernel nor the other vitest worker will hand out meanwhile. */
export function freePort(): Promise<number> {
  return freePortRun(1);
}
