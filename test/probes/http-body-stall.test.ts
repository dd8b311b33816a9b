// A server that sends its status and headers, then stalls the body: the timeout says the status arrived, not "no response".
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeSchema, type ProbeConfigOf } from '../../src/probes/probe-schema.js';
import { createHttpProbe } from '../../src/probes/http-probe.js';

let server: net.Server;
let port = 0;
const sockets = new Set<net.Socket>();
beforeAll(async () => {
  server = net.createServer((s) => sockets.add(s).has(s) && s.once('data', () => s.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial')));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as net.AddressInfo).port;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => server.close(r));
});

describe('http probe: headers then a stalled body', () => {
  it('reports a hang that names the status that arrived', async () => {
    const p = createHttpProbe(probeSchema.parse({ kind: 'http', url: `http://127.0.0.1:${port}/health` }) as ProbeConfigOf<'http'>);
    try {
      const r = await p.check({ pid: process.pid, startedAt: 1 }, AbortSignal.timeout(500));
      expect(r).toMatchObject({ status: 'failure', finding: 'hang', details: { status: 200 } });
      expect(r.message).toMatch(/status 200 arrived but the response did not finish/);
    } finally {
      p.dispose?.();
    }
  });
});
