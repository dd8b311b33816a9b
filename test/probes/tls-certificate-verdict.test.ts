// A certificate the probe does not accept is not a dead service: a restart cannot change a certificate (probes6).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeSchema, type ProbeConfigOf } from '../../src/probes/probe-schema.js';
import { createHttpProbe } from '../../src/probes/http-probe.js';
import { createHangProbe } from '../../src/probes/hang-probe.js';
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
let server: https.Server;
let url: string;
let dir: string;

describe.runIf(hasOpenssl())('https probes against a self-signed certificate', () => {
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'clawback-probe-cert-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=svc', '-keyout', path.join(dir, 'k.pem'), '-out', path.join(dir, 'c.pem')], { stdio: 'ignore', timeout: 20_000 });
    server = https.createServer({ key: readFileSync(path.join(dir, 'k.pem')), cert: readFileSync(path.join(dir, 'c.pem')) }, (_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as net.AddressInfo).port}/health`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it('the http probe without insecure: unknown (no restart), naming the code and insecure: true', async () => {
    const probe = createHttpProbe(probeSchema.parse({ kind: 'http', url }) as ProbeConfigOf<'http'>);
    const r = await probe.check(alive, AbortSignal.timeout(5_000));
    probe.dispose?.();
    expect(r.status).toBe('unknown');
    expect(r.finding).toBeUndefined();
    expect(r.message).toContain('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(r.message).toContain('insecure: true');
  });

  it('the http probe with insecure: true still succeeds', async () => {
    const probe = createHttpProbe(probeSchema.parse({ kind: 'http', url, insecure: true }) as ProbeConfigOf<'http'>);
    const r = await probe.check(alive, AbortSignal.timeout(5_000));
    probe.dispose?.();
    expect(r.status).toBe('success');
  });

  it('the hang probe (which has no insecure key): the handshake was answered, so not hung and not down', async () => {
    const probe = createHangProbe(probeSchema.parse({ kind: 'hang', url }) as ProbeConfigOf<'hang'>);
    const r = await probe.check(alive, AbortSignal.timeout(5_000));
    expect(r.status).toBe('success');
    expect(r.message).toContain('TLS handshake');
  });
});
