// A local client pipelining thousands of requests on one connection without reading the answers: the daemon built every
// answer (60 such sockets held 300 MB and kept the probes 4 s late); now a connection is dropped past a few waiting answers.
import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { API_MAX_PIPELINED, startApiServer, type ApiServer } from '../../src/server/api-server.js';

let api: ApiServer | undefined;
const sockets: net.Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await api?.close();
  api = undefined;
});

async function start(onStatus: () => void): Promise<ApiServer> {
  return startApiServer({
    host: '127.0.0.1',
    port: 0,
    token: 't'.repeat(32),
    // Each request builds its own status here: the builds count the requests answered (viewers share one otherwise).
    statusShareMs: 0,
    handlers: {
      status: () => {
        onStatus();
        return { pad: 'x'.repeat(2000) };
      },
      action: async () => ({ ok: true, status: 200, message: '' }),
      subscribe: () => () => undefined,
    },
  });
}

describe('the API and pipelined requests', () => {
  it('answers no more than a few requests a connection pipelines without reading, and drops it', async () => {
    let made = 0;
    api = await start(() => made++);
    const s = net.connect({ host: '127.0.0.1', port: api.port });
    sockets.push(s);
    s.on('error', () => undefined);
    const closed = new Promise<void>((resolve) => s.once('close', () => resolve()));
    // It reads (so it sees the close), but the requests of one packet arrive before any answer is written out.
    s.resume();
    s.on('connect', () => {
      s.write(`GET /api/status HTTP/1.1\r\nHost: 127.0.0.1:${api!.port}\r\n\r\n`.repeat(2000));
    });
    await closed;
    expect(made).toBeGreaterThan(0);
    expect(made).toBeLessThanOrEqual(API_MAX_PIPELINED);
    // The server is still there for everyone else.
    expect((await fetch(`http://127.0.0.1:${api.port}/api/status`)).status).toBe(200);
  });

  it('keeps a kept-alive client that sends one request at a time, however many it sends', async () => {
    let made = 0;
    api = await start(() => made++);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const used = new Set<net.Socket>();
    try {
      for (let i = 0; i < 3 * API_MAX_PIPELINED; i++) {
        const status = await new Promise<number>((resolve, reject) => {
          const req = http.get({ host: '127.0.0.1', port: api!.port, path: '/api/status', agent }, (res) => {
            used.add(res.socket);
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          });
          req.on('error', reject);
        });
        expect(status).toBe(200);
      }
    } finally {
      agent.destroy();
    }
    expect(made).toBe(3 * API_MAX_PIPELINED);
    expect(used.size).toBe(1);
  });
});
