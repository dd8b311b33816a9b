// The CLI's API call on a plain socket, against a real node:http server: framing, encoding, timeouts and errors
// the way http.request reported them before.
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRequest, apiRequestBytes } from '../../src/cli/api-request.js';

describe('apiRequest', () => {
  let server: http.Server;
  let port: number;
  const seen: Array<{ method: string; url: string; auth: string | undefined }> = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', auth: req.headers.authorization });
      if (req.url === '/chunked') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"a":');
        setTimeout(() => res.end('"ü"}'), 20);
        return;
      }
      if (req.url === '/silent') return; // never answers
      if (req.url === '/cut') {
        res.writeHead(200, { 'content-length': '100' });
        res.write('{"partial":');
        setTimeout(() => res.destroy(), 20);
        return;
      }
      if (req.url === '/big') {
        res.end(JSON.stringify({ s: 'x'.repeat(3_000_000) }));
        return;
      }
      res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ url: req.url, method: req.method }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const call = (p: string, extra: Partial<Parameters<typeof apiRequest>[0]> = {}) =>
    apiRequest({ host: '127.0.0.1', port, method: 'GET', path: p, headers: { authorization: 'Bearer t0k' }, timeoutMs: 2_000, ...extra });

  it('reads a Content-Length answer and a chunked one (UTF-8 across chunks), with the status and the token sent', async () => {
    expect(await call('/api/status')).toEqual({ status: 200, text: JSON.stringify({ url: '/api/status', method: 'GET' }) });
    expect(await call('/chunked')).toEqual({ status: 200, text: '{"a":"ü"}' });
    expect((await call('/missing')).status).toBe(404);
    const post = await call('/api/services/web/restart', { method: 'POST' });
    expect(JSON.parse(post.text)).toEqual({ url: '/api/services/web/restart', method: 'POST' });
    expect(seen.find((s) => s.method === 'POST')?.auth).toBe('Bearer t0k');
    const big = await call('/big');
    expect(big.text.length).toBe(3_000_000 + 8);
  });

  it('percent-encodes a path as http.request did (a space, a non-ASCII service name)', async () => {
    const r = await call('/api/services/my svc/logs?x=é');
    expect(JSON.parse(r.text).url).toBe('/api/services/my%20svc/logs?x=%C3%A9');
  });

  it('fails with "no answer within N ms" when the daemon takes the request and stays silent', async () => {
    const t0 = Date.now();
    await expect(call('/silent', { timeoutMs: 300 })).rejects.toThrow('no answer within 300 ms');
    expect(Date.now() - t0).toBeLessThan(2_000);
  });

  it('fails on a refused connection and on an answer cut short', async () => {
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const freePort = (closed.address() as net.AddressInfo).port;
    await new Promise((r) => closed.close(r));
    await expect(apiRequest({ host: '127.0.0.1', port: freePort, method: 'GET', path: '/', headers: {}, timeoutMs: 1_000 })).rejects.toThrow(/ECONNREFUSED/);
    await expect(call('/cut')).rejects.toThrow(/cut short/);
  });

  it('refuses a header that would split the request', () => {
    expect(() => apiRequestBytes({ host: '127.0.0.1', port: 1, method: 'GET', path: '/', headers: { authorization: 'Bearer a\r\nX-Evil: 1' } })).toThrow(/no CR\/LF/);
    expect(apiRequestBytes({ host: '::1', port: 9, method: 'GET', path: '/a', headers: {} }).toString('latin1')).toContain('Host: [::1]:9\r\n');
  });
});
