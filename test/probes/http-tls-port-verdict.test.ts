// An http:// probe against a port that speaks only TLS: the service answers (over https://), so the check is unknown with the fix to make, never a restart.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeSchema, type ProbeConfigOf } from '../../src/probes/probe-schema.js';
import { createHttpProbe } from '../../src/probes/http-probe.js';
import type { ProbeTarget } from '../../src/probes/probe-types.js';

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore', timeout: 5_000 });
    return true;
  } catch {
    return false;
  }
}

const alive: ProbeTarget = { pid: process.pid, startedAt: Date.now() };
let dir: string;
let nodeTls: https.Server;
let nginxLike: net.Server;
let closer: net.Server;
const portOf = (s: net.Server): number => (s.address() as net.AddressInfo).port;
const listen = (s: net.Server): Promise<void> => new Promise((resolve) => s.listen(0, '127.0.0.1', resolve));

async function check(url: string) {
  const probe = createHttpProbe(probeSchema.parse({ kind: 'http', url }) as ProbeConfigOf<'http'>);
  try {
    return await probe.check(alive, AbortSignal.timeout(5_000));
  } finally {
    probe.dispose?.();
  }
}

describe.runIf(hasOpenssl())('an http:// probe against a TLS-only port', () => {
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'clawback-tls-port-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=svc', '-keyout', path.join(dir, 'k.pem'), '-out', path.join(dir, 'c.pem')], { stdio: 'ignore', timeout: 20_000 });
    const creds = { key: readFileSync(path.join(dir, 'k.pem')), cert: readFileSync(path.join(dir, 'c.pem')) };
    // Node's https server: a plain request is dropped without an answer.
    nodeTls = https.createServer(creds, (_req, res) => res.end('ok'));
    // nginx's way: a plain request on the TLS port is answered 400 ("The plain HTTP request was sent to HTTPS port").
    nginxLike = net.createServer((sock) => {
      sock.once('data', (first) => {
        if (first[0] === 0x16) {
          // A TLS client: relayed to the real TLS server behind.
          const back = net.connect(portOf(nodeTls), '127.0.0.1');
          back.on('error', () => sock.destroy());
          back.write(first);
          sock.pipe(back).pipe(sock);
        } else sock.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 48\r\nConnection: close\r\n\r\nThe plain HTTP request was sent to HTTPS port\r\n\r\n');
      });
      sock.on('error', () => undefined);
    });
    // A plain service that closes every connection unanswered: down, as before.
    closer = net.createServer((sock) => sock.once('data', () => sock.destroy()));
    await Promise.all([listen(nodeTls), listen(nginxLike), listen(closer)]);
  });
  afterAll(async () => {
    nodeTls.closeAllConnections();
    await Promise.all([nodeTls, nginxLike, closer].map((s) => new Promise((r) => s.close(r))));
    rmSync(dir, { recursive: true, force: true });
  });

  it('a TLS port that drops the plain request: unknown, naming https://, no finding', async () => {
    const r = await check(`http://127.0.0.1:${portOf(nodeTls)}/health`);
    expect(r.status).toBe('unknown');
    expect(r.finding).toBeUndefined();
    expect(r.message).toContain('this port speaks TLS: use https://');
    expect(r.message).toContain(`https://127.0.0.1:${portOf(nodeTls)}/health`);
  });

  it('a TLS port that answers the plain request 400: unknown too', async () => {
    const r = await check(`http://127.0.0.1:${portOf(nginxLike)}/health`);
    expect(r.status).toBe('unknown');
    expect(r.message).toContain('this port speaks TLS');
  });

  it('a plain port that closes unanswered stays down (a restart is right there)', async () => {
    const r = await check(`http://127.0.0.1:${portOf(closer)}/health`);
    expect(r.status).toBe('failure');
    expect(r.finding).toBe('down');
  });

  it('a refused port stays down without a TLS attempt', async () => {
    const spare = net.createServer();
    await listen(spare);
    const port = portOf(spare);
    await new Promise((r) => spare.close(r));
    const r = await check(`http://127.0.0.1:${port}/health`);
    expect(r.status).toBe('failure');
    expect(r.finding).toBe('down');
  });
});
