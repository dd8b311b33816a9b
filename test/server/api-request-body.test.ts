// The API reads no request body (every command is in the path and query): a body sent anyway, with or without the token,
// was read and thrown away until the 30 s request timeout (any local process could keep the daemon reading a stream).
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../../src/server/api-server.js';

let api: ApiServer | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

/** Sends a POST head, then writes body chunks until the server closes (or 20 s): bytes it took. */
function streamBody(port: number, head: string, chunked = false): Promise<{ answer: string; sent: number; ms: number }> {
  return new Promise((resolve) => {
    const began = Date.now();
    const socket = net.connect(port, '127.0.0.1');
    const data = Buffer.alloc(64 * 1024, 'a');
    const chunk = chunked ? Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from('\r\n')]) : data;
    let answer = '';
    let sent = 0;
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      clearInterval(pump);
      clearTimeout(bound);
      socket.destroy();
      resolve({ answer, sent, ms: Date.now() - began });
    };
    socket.on('data', (d: Buffer) => (answer += d.toString()));
    socket.on('close', finish);
    socket.on('error', finish);
    socket.write(head);
    const pump = setInterval(() => {
      if (socket.writableLength > 1024 * 1024) return;
      for (let i = 0; i < 16; i++) {
        socket.write(chunk);
        sent += chunk.length;
      }
    }, 5);
    const bound = setTimeout(finish, 20_000);
  });
}

describe('a request body the API does not read', () => {
  it('a refused POST with a huge body is answered and the connection closed, not read for 30 s', async () => {
    const token = 't'.repeat(32);
    let actions = 0;
    api = await startApiServer({
      host: '127.0.0.1',
      port: 0,
      token,
      handlers: {
        status: () => ({ ok: 1 }),
        action: async () => {
          actions++;
          return { ok: true, status: 200, message: 'done' };
        },
        subscribe: () => () => undefined,
      },
    });
    const bigLength = 10 * 1024 * 1024 * 1024;
    const refused = await streamBody(api.port, `POST /api/services/x/restart HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${bigLength}\r\n\r\n`);
    expect(refused.answer).toMatch(/^HTTP\/1\.1 401/);
    expect(refused.ms).toBeLessThan(10_000);
    // Chunked, with the token: the command runs, the body is not waited for.
    const chunked = await streamBody(api.port, `POST /api/services/x/restart HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nTransfer-Encoding: chunked\r\n\r\n`, true);
    expect(chunked.answer).toMatch(/^HTTP\/1\.1 200/);
    expect(chunked.ms).toBeLessThan(10_000);
    expect(actions).toBe(1);
    // A body-less request still keeps its connection alive.
    const res = await fetch(`http://127.0.0.1:${api.port}/api/status`);
    expect(res.headers.get('connection')).not.toBe('close');
  }, 60_000);
});
