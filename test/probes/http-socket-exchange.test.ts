import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Http1ResponseParser } from '../../src/probes/http1-response-parser.js';
import { KeptSocket, prepareHttpRequest, socketHttpExchange } from '../../src/probes/http-socket-exchange.js';
import type { ProbeTarget } from '../../src/probes/probe-types.js';
import { probeTimeoutReason } from '../../src/probes/probe-types.js';
import { systemClock } from '../../src/platform/clock.js';

const clock = systemClock();
const alive: ProbeTarget = { pid: process.pid, startedAt: Date.now() };
const noProcess: ProbeTarget = { pid: undefined, startedAt: undefined };
const closers: Array<() => Promise<void>> = [];

afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

async function httpServer(handler: http.RequestListener): Promise<string> {
  const srv = http.createServer(handler);
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  closers.push(async () => {
    srv.closeAllConnections();
    await new Promise((r) => srv.close(r));
  });
  return `http://127.0.0.1:${(srv.address() as net.AddressInfo).port}`;
}

/** A raw TCP server that answers every connection with the given bytes (written in the given pieces). */
async function rawServer(onConn: (s: net.Socket) => void): Promise<string> {
  const sockets = new Set<net.Socket>();
  const srv = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    onConn(s);
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  closers.push(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => srv.close(r));
  });
  return `http://127.0.0.1:${(srv.address() as net.AddressInfo).port}`;
}

function timeoutSignal(ms: number): AbortSignal {
  const c = new AbortController();
  const t = setTimeout(() => c.abort(probeTimeoutReason(ms)), ms);
  c.signal.addEventListener('abort', () => clearTimeout(t));
  closers.push(async () => clearTimeout(t));
  return c.signal;
}

function request(url: string, fields: { method?: string; headers?: Record<string, string>; body?: string; max?: number } = {}) {
  return prepareHttpRequest(new URL(url), { method: fields.method ?? 'GET', headers: fields.headers ?? {}, body: fields.body, maxBodyBytes: fields.max ?? 64 * 1024 });
}

describe('socket HTTP exchange against real servers', () => {
  it('reads status and body; sends the headers, body and content-length', async () => {
    const seen: Array<{ method?: string; url?: string; headers: http.IncomingHttpHeaders; body: string }> = [];
    const base = await httpServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, headers: req.headers, body });
        res.statusCode = req.url === '/teapot?x=1' ? 418 : 200;
        res.end(`hello ${req.method}`);
      });
    });
    const ok = await socketHttpExchange(request(`${base}/teapot?x=1`, { method: 'POST', body: 'ping', headers: { Authorization: 'Bearer t0k' } }), alive, timeoutSignal(2000), clock);
    expect(ok).toMatchObject({ kind: 'answer', status: 418, body: 'hello POST', truncated: false });
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/teapot?x=1', body: 'ping' });
    expect(seen[0]!.headers).toMatchObject({ authorization: 'Bearer t0k', 'content-length': '4', connection: 'close', 'user-agent': 'clawback-probe' });
    const head = await socketHttpExchange(request(`${base}/`, { method: 'HEAD' }), alive, timeoutSignal(2000), clock);
    expect(head).toMatchObject({ kind: 'answer', status: 200, body: '' });
  });

  it('a server that accepts and never answers is a hang while the process lives, down without it', async () => {
    const base = await httpServer(() => undefined);
    const started = performance.now();
    const hung = await socketHttpExchange(request(`${base}/health`), alive, timeoutSignal(300), clock);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(hung).toMatchObject({ kind: 'no-answer', result: { status: 'failure', finding: 'hang', details: { phase: 'response' } } });
    const gone = await socketHttpExchange(request(`${base}/health`), noProcess, timeoutSignal(300), clock);
    expect(gone).toMatchObject({ kind: 'no-answer', result: { status: 'failure', finding: 'down' } });
  });

  it('connection refused is down; a cancel (not a timeout) is unknown', async () => {
    const probePort = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const refused = await socketHttpExchange(request(`http://127.0.0.1:${probePort}/`), alive, timeoutSignal(2000), clock);
    expect(refused).toMatchObject({ kind: 'no-answer', result: { status: 'failure', finding: 'down' } });
    expect((refused as { result: { message: string } }).result.message).toContain('connection refused');
    const base = await httpServer(() => undefined);
    const c = new AbortController();
    setTimeout(() => c.abort(new Error('stop')), 100);
    const cancelled = await socketHttpExchange(request(`${base}/`), alive, c.signal, clock);
    expect(cancelled).toMatchObject({ kind: 'no-answer', result: { status: 'unknown' } });
  });

  it('keeps one connection across checks, replaces a kept socket the server closed, and sees a hang on the kept one', async () => {
    const ports = new Set<number>();
    let mode: 'ok' | 'hang' = 'ok';
    const sockets = new Set<net.Socket>();
    const base = await httpServer((req, res) => {
      ports.add(req.socket.remotePort!);
      sockets.add(req.socket);
      if (mode === 'ok') res.end('ok');
    });
    const kept = new KeptSocket();
    closers.push(async () => kept.close());
    const req = request(`${base}/health`);
    for (let i = 0; i < 20; i++) {
      const r = await socketHttpExchange(req, alive, timeoutSignal(2000), clock, kept);
      expect(r).toMatchObject({ kind: 'answer', status: 200, body: 'ok' });
    }
    expect(ports.size).toBe(1);
    expect(kept.hasIdle).toBe(true);
    // The server drops the idle connection (its keep-alive timeout): the next check must not fail for it.
    for (const s of sockets) s.destroy();
    await new Promise((r) => setTimeout(r, 50));
    const after = await socketHttpExchange(req, alive, timeoutSignal(2000), clock, kept);
    expect(after).toMatchObject({ kind: 'answer', status: 200 });
    expect(ports.size).toBe(2);
    mode = 'hang';
    const hung = await socketHttpExchange(req, alive, timeoutSignal(300), clock, kept);
    expect(hung).toMatchObject({ kind: 'no-answer', result: { status: 'failure', finding: 'hang' } });
    expect(kept.hasIdle).toBe(false);
    mode = 'ok';
    expect(await socketHttpExchange(req, alive, timeoutSignal(2000), clock, kept)).toMatchObject({ kind: 'answer', status: 200 });
  });

  it('a kept socket closed by the server as the request arrives is retried once on a fresh connection', async () => {
    let conns = 0;
    const base = await rawServer((s) => {
      conns++;
      let requests = 0;
      s.on('data', () => {
        // The second request on a connection meets a server that drops it (a keep-alive race).
        if (++requests === 2) s.destroy();
        else s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      });
    });
    const kept = new KeptSocket();
    closers.push(async () => kept.close());
    const req = request(`${base}/`);
    expect(await socketHttpExchange(req, alive, timeoutSignal(2000), clock, kept)).toMatchObject({ kind: 'answer', status: 200 });
    expect(await socketHttpExchange(req, alive, timeoutSignal(2000), clock, kept)).toMatchObject({ kind: 'answer', status: 200 });
    expect(conns).toBe(2);
    // Without a kept socket the same drop is the service's doing: down.
    const dropAll = await rawServer((s) => s.on('data', () => s.destroy()));
    expect(await socketHttpExchange(request(`${dropAll}/`), alive, timeoutSignal(2000), clock)).toMatchObject({ kind: 'no-answer', result: { finding: 'down' } });
  });

  it('a kept connection is not reused past its age: a service that resets every new client (out of descriptors) is seen', async () => {
    // What libuv does at EMFILE: each new connection is accepted and closed at once, while old ones still answer.
    let acceptBroken = false;
    let conns = 0;
    const base = await rawServer((s) => {
      if (acceptBroken) {
        s.destroy();
        return;
      }
      conns++;
      s.on('data', () => s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'));
    });
    let now = 0;
    const kept = new KeptSocket({ monotonic: () => now }, 30_000);
    closers.push(async () => kept.close());
    const req = request(`${base}/health`);
    expect(await socketHttpExchange(req, alive, timeoutSignal(2000), clock, kept)).toMatchObject({ kind: 'answer', status: 200 });
    acceptBroken = true;
    // Within the age the kept connection still serves (and still answers).
    now = 29_000;
    expect(await socketHttpExchange(req, alive, timeoutSignal(2000), clock, kept)).toMatchObject({ kind: 'answer', status: 200 });
    expect(conns).toBe(1);
    // Its age counts from its connection, not from its last use: a fresh connection now meets the broken accept.
    now = 30_000;
    expect(await socketHttpExchange(req, alive, timeoutSignal(2000), clock, kept)).toMatchObject({ kind: 'no-answer', result: { status: 'failure', finding: 'down' } });
    expect(await socketHttpExchange(req, alive, timeoutSignal(2000), clock, kept)).toMatchObject({ kind: 'no-answer', result: { status: 'failure', finding: 'down' } });
    // Accepting again: a new connection is kept and its own age starts.
    acceptBroken = false;
    expect(await socketHttpExchange(req, alive, timeoutSignal(2000), clock, kept)).toMatchObject({ kind: 'answer', status: 200 });
    now = 59_000;
    expect(await socketHttpExchange(req, alive, timeoutSignal(2000), clock, kept)).toMatchObject({ kind: 'answer', status: 200 });
    expect(conns).toBe(2);
  });

  it('reads chunked bodies split at awkward places, and honours connection: close', async () => {
    const pieces = ['HTTP/1.1 200 OK\r\nTransfer-Enc', 'oding: chunked\r\n\r\n5\r', '\nhel', 'lo\r\n1;ext=1\r\n', ' \r\n6\r\nworld!\r\n0\r\n', 'X-Trailer: 1\r\n\r\n'];
    const conns: number[] = [];
    const base = await rawServer((s) => {
      conns.push(1);
      s.on('data', () => {
        let i = 0;
        const next = (): void => {
          if (i < pieces.length) {
            s.write(pieces[i++]!);
            setTimeout(next, 5);
          }
        };
        next();
      });
    });
    const kept = new KeptSocket();
    closers.push(async () => kept.close());
    const r1 = await socketHttpExchange(request(`${base}/`), alive, timeoutSignal(2000), clock, kept);
    expect(r1).toMatchObject({ kind: 'answer', status: 200, body: 'hello world!', truncated: false });
    const r2 = await socketHttpExchange(request(`${base}/`), alive, timeoutSignal(2000), clock, kept);
    expect(r2).toMatchObject({ kind: 'answer', body: 'hello world!' });
    expect(conns.length).toBe(1);

    const closing = await rawServer((s) => s.on('data', () => s.write('HTTP/1.1 503 Busy\r\nConnection: close\r\nContent-Length: 4\r\n\r\nbusy')));
    const kept2 = new KeptSocket();
    const r3 = await socketHttpExchange(request(`${closing}/`), alive, timeoutSignal(2000), clock, kept2);
    expect(r3).toMatchObject({ kind: 'answer', status: 503, body: 'busy' });
    expect(kept2.hasIdle).toBe(false);
  });

  it('a body read until close, a body over the limit, a hang-up mid-body and garbage', async () => {
    const untilClose = await rawServer((s) => s.on('data', () => s.end('HTTP/1.0 200 OK\r\n\r\nold style body')));
    expect(await socketHttpExchange(request(`${untilClose}/`), alive, timeoutSignal(2000), clock)).toMatchObject({ kind: 'answer', status: 200, body: 'old style body', truncated: false });
    const big = await httpServer((_req, res) => res.end('x'.repeat(100_000)));
    const r = await socketHttpExchange(request(`${big}/`, { max: 1000 }), alive, timeoutSignal(2000), clock);
    expect(r).toMatchObject({ kind: 'answer', status: 200, truncated: true, incomplete: false });
    expect((r as { body: string }).body.length).toBe(1000);
    const cut = await rawServer((s) => s.on('data', () => s.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial')));
    expect(await socketHttpExchange(request(`${cut}/`), alive, timeoutSignal(2000), clock)).toMatchObject({ kind: 'answer', status: 200, body: 'partial', truncated: true, incomplete: true });
    const garbage = await rawServer((s) => s.on('data', () => s.end('SSH-2.0-OpenSSH\r\n\r\n')));
    expect(await socketHttpExchange(request(`${garbage}/`), alive, timeoutSignal(2000), clock)).toMatchObject({ kind: 'no-answer', result: { status: 'failure', finding: 'down' } });
    const silentClose = await rawServer((s) => s.on('data', () => s.end()));
    const closed = await socketHttpExchange(request(`${silentClose}/`), alive, timeoutSignal(2000), clock);
    expect(closed).toMatchObject({ kind: 'no-answer', result: { status: 'failure', finding: 'down' } });
  });
});

describe('request preparation and the response parser', () => {
  it('rejects header injection and builds the request once', () => {
    expect(() => request('http://127.0.0.1:1/', { headers: { 'x-a': 'v\r\nEvil: 1' } })).toThrow(/x-a.*CR\/LF/);
    const r = request('http://[::1]:8080/p?q=1', { headers: { 'User-Agent': 'mine' } });
    expect(r.host).toBe('::1');
    expect(r.port).toBe(8080);
    const text = r.keepAliveBytes.toString('latin1');
    expect(text.startsWith('GET /p?q=1 HTTP/1.1\r\n')).toBe(true);
    expect(text).toContain('User-Agent: mine\r\n');
    expect(text).not.toContain('clawback-probe');
    expect(text.endsWith('Connection: keep-alive\r\n\r\n')).toBe(true);
  });

  it('parses byte by byte the same as in one piece; skips 100 Continue; 204 has no body', () => {
    const raw = Buffer.from('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabcde');
    const whole = new Http1ResponseParser(1024, false);
    expect(whole.push(raw)).toBe('done');
    const bytewise = new Http1ResponseParser(1024, false);
    let p = 'more';
    for (let i = 0; i < raw.length; i++) p = bytewise.push(raw.subarray(i, i + 1));
    expect(p).toBe('done');
    expect([whole.status, whole.body(), whole.keepAlive]).toEqual([200, 'abcde', true]);
    expect([bytewise.status, bytewise.body()]).toEqual([200, 'abcde']);
    const noBody = new Http1ResponseParser(1024, false);
    expect(noBody.push(Buffer.from('HTTP/1.1 204 No Content\r\nContent-Length: 9\r\n\r\n'))).toBe('done');
    const bad = new Http1ResponseParser(1024, false);
    expect(bad.push(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'))).toBe('malformed');
  });

  it('frames by the three framing headers in any case, and ignores lookalike and unrelated headers', () => {
    const parse = (head: string, body = ''): Http1ResponseParser => {
      const p = new Http1ResponseParser(1024, false);
      p.push(Buffer.from(`${head}\r\n\r\n${body}`, 'latin1'));
      return p;
    };
    // Upper case, blanks around the name and the value, and a bare \n line end.
    const a = parse('HTTP/1.1 200 OK\r\nCONTENT-LENGTH :  3 \nX-Note: a: b\r\nConnection: Keep-Alive, CLOSE', 'abcdef');
    expect([a.status, a.body(), a.keepAlive]).toEqual([200, 'abc', false]);
    // Lookalikes frame nothing: the body runs until close.
    const b = parse('HTTP/1.1 200 OK\r\nContent-Lengthx: 2\r\nX-Content-Length: 2\r\nContent_Length: 2\r\ncontent-length', 'abcdef');
    expect(b.push(Buffer.alloc(0))).toBe('more');
    expect([b.end(), b.body(), b.truncated]).toEqual(['done', 'abcdef', false]);
    // Transfer-Encoding in mixed case wins over a content-length that follows it.
    const c = parse('HTTP/1.1 200 OK\r\ntRaNsFeR-eNcOdInG: gzip, Chunked\r\nContent-Length: 1', '3\r\nxyz\r\n0\r\n\r\n');
    expect([c.status, c.body()]).toEqual([200, 'xyz']);
    expect(parse('HTTP/1.1 200 OK\r\nContent-Length: -1').error).toMatch(/invalid content-length "-1"/);
    // HTTP/1.0 keeps the connection only when asked to.
    expect(parse('HTTP/1.0 200 OK\r\nconnection: keep-alive\r\ncontent-length: 0').keepAlive).toBe(true);
  });
});
