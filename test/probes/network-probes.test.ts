import http from 'node:http';
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { probeSchema, type ProbeConfigOf } from '../../src/probes/probe-schema.js';
import { createHttpProbe, jsonAtPath, statusMatches } from '../../src/probes/http-probe.js';
import { createTcpProbe } from '../../src/probes/tcp-probe.js';
import { createHangProbe } from '../../src/probes/hang-probe.js';
import type { ProbeTarget } from '../../src/probes/probe-types.js';
import { freePort } from '../helpers/ports.js';
import { spawnMarked, type MarkedChild } from '../helpers/processes.js';

let server: http.Server;
let base: string;
let port: number;
const seenHeaders: http.IncomingHttpHeaders[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    seenHeaders.push(req.headers);
    if (req.url === '/ok') res.end('all good');
    else if (req.url === '/500') {
      res.statusCode = 500;
      res.end('boom');
    } else if (req.url === '/json') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ status: 'live', checks: { db: { ok: true } } }));
    } else if (req.url === '/slow') {
      // Never answers: a hung handler.
    } else if (req.url === '/reset') req.socket.destroy();
    else if (req.url === '/cut' || req.url === '/cut-chunked') {
      // The health handler fails half-way: the status and part of the body are sent, then the connection drops.
      if (req.url === '/cut') res.setHeader('content-length', '100');
      res.writeHead(200);
      res.write('{"status":');
      setTimeout(() => req.socket.destroy(), 20);
    } else if (req.url === '/big') res.end('x'.repeat(100_000));
    else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const alive: ProbeTarget = { pid: process.pid, startedAt: Date.now() };
const noProcess: ProbeTarget = { pid: undefined, startedAt: undefined };

function httpProbe(fields: Record<string, unknown>) {
  return createHttpProbe(probeSchema.parse({ kind: 'http', ...fields }) as ProbeConfigOf<'http'>);
}

describe('http probe', () => {
  it('200 is a success with latency', async () => {
    const r = await httpProbe({ url: `${base}/ok`, headers: { authorization: 'Bearer t0ken' } }).check(alive, AbortSignal.timeout(2000));
    expect(r.status).toBe('success');
    expect(r.latencyMs).toBeGreaterThanOrEqual(0);
    expect(r.value).toBe(200);
    expect(seenHeaders.at(-1)?.authorization).toBe('Bearer t0ken');
    expect(seenHeaders.at(-1)?.connection).toBe('keep-alive');
  });

  it('keeps one connection per probe across checks, and still sees a hang on the kept connection', async () => {
    const sockets = new Set<string>();
    let hangNext = false;
    const srv = http.createServer((req, res) => {
      sockets.add(`${req.socket.remotePort}`);
      if (!hangNext) res.end('ok');
    });
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(srv.address() as net.AddressInfo).port}/health`;
    try {
      const probe = httpProbe({ url });
      // Many checks over one kept socket must not pile listeners onto it.
      const warnings: Error[] = [];
      const onWarning = (w: Error): void => void warnings.push(w);
      process.on('warning', onWarning);
      try {
        for (let i = 0; i < 15; i++) expect((await probe.check(alive, AbortSignal.timeout(2000))).status).toBe('success');
        await new Promise((r) => setTimeout(r, 50));
      } finally {
        process.off('warning', onWarning);
      }
      expect(warnings.map((w) => w.name)).not.toContain('MaxListenersExceededWarning');
      expect(sockets.size).toBe(1);
      hangNext = true;
      const hung = await probe.check(alive, AbortSignal.timeout(300));
      expect(hung).toMatchObject({ status: 'failure', finding: 'hang' });
      hangNext = false;
      expect((await probe.check(alive, AbortSignal.timeout(2000))).status).toBe('success');
    } finally {
      srv.closeAllConnections();
      await new Promise((r) => srv.close(r));
    }
  });

  it('500 is a failure http-status; an explicit list can accept it', async () => {
    const r = await httpProbe({ url: `${base}/500` }).check(alive, AbortSignal.timeout(2000));
    expect(r).toMatchObject({ status: 'failure', finding: 'http-status', value: 500 });
    const ok = await httpProbe({ url: `${base}/500`, expectStatus: ['5xx'] }).check(alive, AbortSignal.timeout(2000));
    expect(ok.status).toBe('success');
    expect((await httpProbe({ url: `${base}/missing` }).check(alive, AbortSignal.timeout(2000))).finding).toBe('http-status');
  });

  it('body and JSON matches', async () => {
    expect((await httpProbe({ url: `${base}/ok`, bodyContains: 'good' }).check(alive, AbortSignal.timeout(2000))).status).toBe('success');
    expect(await httpProbe({ url: `${base}/ok`, bodyContains: 'great' }).check(alive, AbortSignal.timeout(2000))).toMatchObject({ status: 'failure', finding: 'body-mismatch' });
    expect((await httpProbe({ url: `${base}/json`, json: { path: 'status', equals: 'live' } }).check(alive, AbortSignal.timeout(2000))).status).toBe('success');
    expect((await httpProbe({ url: `${base}/json`, json: { path: 'checks.db.ok', equals: true } }).check(alive, AbortSignal.timeout(2000))).status).toBe('success');
    expect(await httpProbe({ url: `${base}/json`, json: { path: 'status', equals: 'dead' } }).check(alive, AbortSignal.timeout(2000))).toMatchObject({ status: 'failure', finding: 'body-mismatch' });
    expect(await httpProbe({ url: `${base}/ok`, json: { path: 'status', equals: 'live' } }).check(alive, AbortSignal.timeout(2000))).toMatchObject({ status: 'failure', finding: 'body-mismatch' });
  });

  it('a slow server is a hang while the process lives, down without a process', async () => {
    const hung = await httpProbe({ url: `${base}/slow` }).check(alive, AbortSignal.timeout(300));
    expect(hung).toMatchObject({ status: 'failure', finding: 'hang' });
    const down = await httpProbe({ url: `${base}/slow` }).check(noProcess, AbortSignal.timeout(300));
    expect(down).toMatchObject({ status: 'failure', finding: 'down' });
  });

  it('a closed port is down; a reset connection is down', async () => {
    const closed = await freePort();
    const r = await httpProbe({ url: `http://127.0.0.1:${closed}/health` }).check(alive, AbortSignal.timeout(2000));
    expect(r).toMatchObject({ status: 'failure', finding: 'down' });
    expect(r.message).toContain('refused');
    expect(await httpProbe({ url: `${base}/reset` }).check(alive, AbortSignal.timeout(2000))).toMatchObject({ status: 'failure', finding: 'down' });
  });

  it('a half answer (the connection drops mid-body) is down; a body over the read limit is still an answer', async () => {
    for (const path of ['/cut', '/cut-chunked']) {
      const r = await httpProbe({ url: `${base}${path}` }).check(alive, AbortSignal.timeout(2000));
      expect(r).toMatchObject({ status: 'failure', finding: 'down', value: 200, details: { code: 'INCOMPLETE' } });
      expect(r.message).toContain('closed before the end of the answer');
      // The hang probe asks only whether it answers: it did.
      expect((await createHangProbe(probeSchema.parse({ kind: 'hang', url: `${base}${path}` }) as ProbeConfigOf<'hang'>).check(alive, AbortSignal.timeout(2000))).status).toBe('success');
    }
    expect(await httpProbe({ url: `${base}/big` }).check(alive, AbortSignal.timeout(2000))).toMatchObject({ status: 'success', value: 200 });
  });

  it('an unresolvable host is unknown (the probe could not run)', async () => {
    const r = await httpProbe({ url: 'http://clawback-probe-test.invalid/health' }).check(alive, AbortSignal.timeout(5000));
    expect(r.status).toBe('unknown');
  });

  it('a stop abort (not a timeout) is unknown', async () => {
    const ctl = new AbortController();
    const pending = httpProbe({ url: `${base}/slow` }).check(alive, ctl.signal);
    setTimeout(() => ctl.abort(), 50);
    expect((await pending).status).toBe('unknown');
  });

  it('status and JSON helpers', () => {
    expect(statusMatches(302, undefined)).toBe(true);
    expect(statusMatches(404, undefined)).toBe(false);
    expect(statusMatches(204, ['200-204'])).toBe(true);
    expect(statusMatches(205, [200, '200-204'])).toBe(false);
    expect(jsonAtPath({ a: [{ b: 1 }] }, 'a.0.b')).toEqual({ found: true, value: 1 });
    expect(jsonAtPath({ a: 1 }, 'a.b').found).toBe(false);
  });
});

describe('tcp probe', () => {
  const tcp = (fields: Record<string, unknown>) => createTcpProbe(probeSchema.parse({ kind: 'tcp', ...fields }) as ProbeConfigOf<'tcp'>);

  it('accepting port is a success, closed port a failure, unresolvable host unknown', async () => {
    expect((await tcp({ port }).check(alive, AbortSignal.timeout(2000))).status).toBe('success');
    expect(await tcp({ port: await freePort() }).check(alive, AbortSignal.timeout(2000))).toMatchObject({ status: 'failure', finding: 'down' });
    expect((await tcp({ port, host: 'clawback-probe-test.invalid' }).check(alive, AbortSignal.timeout(5000))).status).toBe('unknown');
    expect((await tcp({ port, host: 'localhost' }).check(alive, AbortSignal.timeout(2000))).status).not.toBe('failure');
  });
});

describe('hang probe', () => {
  let child: MarkedChild | undefined;
  afterEach(async () => {
    if (child) {
      child.kill();
      await child.waitForExit(5000);
      child = undefined;
    }
  });
  const hang = (fields: Record<string, unknown>) => createHangProbe(probeSchema.parse({ kind: 'hang', ...fields }) as ProbeConfigOf<'hang'>);

  it('alive and answering (any status) is a success; alive and silent is a hang', async () => {
    expect((await hang({ url: `${base}/500` }).check(alive, AbortSignal.timeout(2000))).status).toBe('success');
    expect((await hang({ port }).check(alive, AbortSignal.timeout(2000))).status).toBe('success');
    expect(await hang({ url: `${base}/slow` }).check(alive, AbortSignal.timeout(300))).toMatchObject({ status: 'failure', finding: 'hang' });
  });

  it('a stopped process is a hang; a dead one is unknown', async () => {
    child = spawnMarked(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
    const target: ProbeTarget = { pid: child.pid, startedAt: Date.now() };
    expect((await hang({}).check(target, AbortSignal.timeout(2000))).status).toBe('success');
    process.kill(child.pid, 'SIGSTOP');
    let r = await hang({}).check(target, AbortSignal.timeout(2000));
    for (let i = 0; i < 50 && r.status === 'success'; i++) {
      await new Promise((res) => setTimeout(res, 20));
      r = await hang({}).check(target, AbortSignal.timeout(2000));
    }
    expect(r).toMatchObject({ status: 'failure', finding: 'hang' });
    process.kill(child.pid, 'SIGCONT');
    child.kill();
    await child.waitForExit(5000);
    expect((await hang({ port }).check(target, AbortSignal.timeout(2000))).status).toBe('unknown');
  });

  it('a stopped server under a wrapper (npm start, sh -c) is a hang, though its port still completes handshakes', async () => {
    const serverPort = await freePort();
    const server = `require('net').createServer(() => {}).listen(${serverPort}, '127.0.0.1', () => console.log('listening ' + process.pid))`;
    // The shell stays as the instance's pid (a second command follows), the server is its child.
    child = spawnMarked('/bin/sh', ['-c', `"${process.execPath}" -e "${server}"; exit 0`]);
    const out = await child.waitForStdout(/listening \d+/);
    const serverPid = Number(/listening (\d+)/.exec(out)![1]);
    expect(serverPid).not.toBe(child.pid);
    const target: ProbeTarget = { pid: child.pid, startedAt: Date.now() };
    expect((await hang({}).check(target, AbortSignal.timeout(2000))).status).toBe('success');
    process.kill(serverPid, 'SIGSTOP');
    let r = await hang({}).check(target, AbortSignal.timeout(2000));
    for (let i = 0; i < 50 && r.status === 'success'; i++) {
      await new Promise((res) => setTimeout(res, 20));
      r = await hang({}).check(target, AbortSignal.timeout(2000));
    }
    expect(r).toMatchObject({ status: 'failure', finding: 'hang', details: { pid: child.pid, stoppedPid: serverPid, reason: 'stopped' } });
    expect(r.message).toContain(`pid ${serverPid}`);
    // Why the tree matters: the kernel still accepts connections for the stopped server.
    const tcpProbe = createTcpProbe(probeSchema.parse({ kind: 'tcp', port: serverPort }) as ProbeConfigOf<'tcp'>);
    expect((await tcpProbe.check(target, AbortSignal.timeout(2000))).status).toBe('success');
    process.kill(serverPid, 'SIGCONT');
    expect((await hang({}).check(target, AbortSignal.timeout(2000))).status).toBe('success');
  });
});
