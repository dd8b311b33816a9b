import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import { preflight } from '../../src/doctor/preflight.js';
import { serviceBindHosts } from '../../src/doctor/bind-hosts.js';
import { makeFixture, type DoctorFixture } from './doctor-fixtures.js';

/** A real listener on host only (ipv6Only keeps :: off the IPv4 addresses); port 0 picks a free port. */
function listen(host: string, port = 0, ipv6Only = false): Promise<{ server: net.Server; port: number }> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ host, port, ipv6Only }, () => resolve({ server, port: (server.address() as net.AddressInfo).port }));
  });
}

function close(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Whether the service's own bind would succeed: the answer preflight must agree with. */
function canBind(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen({ host, port }, () => s.close(() => resolve(true)));
  });
}

const blocking = (findings: { rule: string; severity: string }[]): string[] => findings.filter((f) => f.severity !== 'info').map((f) => f.rule);

describe('preflight port check: judged on the address the service binds', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await makeFixture({}, { validate: false });
  });
  afterEach(() => fx.cleanup());

  const loopbackProbe = (port: number): Record<string, unknown> => ({ port, probes: [{ kind: 'http', url: `http://127.0.0.1:${port}/healthz` }] });
  const gateway = (port: number, bind: string): Record<string, unknown> => ({
    port,
    command: ['openclaw', 'gateway', 'run', '--bind', bind, '--port', String(port)],
    openclaw: { cli: ['openclaw'] },
  });

  it('knows the bind from the OpenClaw --bind flag and from the health URL host', async () => {
    fx.withService(gateway(18789, 'loopback'));
    expect(await serviceBindHosts(fx.service)).toEqual(['127.0.0.1']);
    fx.withService(gateway(18789, 'lan'));
    expect(await serviceBindHosts(fx.service)).toEqual(['0.0.0.0']);
    fx.withService({ ...loopbackProbe(8080), command: ['x'], openclaw: undefined });
    expect(await serviceBindHosts(fx.service)).toEqual(['127.0.0.1']);
    fx.withService({ port: 8080, probes: [{ kind: 'http', url: 'http://localhost:8080/' }] });
    expect(await serviceBindHosts(fx.service)).toBeUndefined();
  });

  it('a listener on [::1] alone (or [::] v6-only, or 127.0.0.2) does not hold a service that binds 127.0.0.1 or 0.0.0.0', async () => {
    for (const [host, v6only] of [['::1', true], ['::', true], ['127.0.0.2', false]] as const) {
      const other = await listen(host, 0, v6only);
      try {
        fx.withService(loopbackProbe(other.port));
        expect(await canBind('127.0.0.1', other.port)).toBe(true);
        expect(blocking(await preflight(fx.service, { only: ['port'] })), `holder ${host}, service on 127.0.0.1`).toEqual([]);
        fx.withService(gateway(other.port, 'loopback'));
        expect(blocking(await preflight(fx.service, { only: ['port'] })), `holder ${host}, gateway --bind loopback`).toEqual([]);
        // Which address is not known: the wildcard refusal is reported, but only as information.
        fx.withService({ port: other.port, probes: [], openclaw: undefined });
        const unknown = await preflight(fx.service, { only: ['port'] });
        expect(blocking(unknown), `holder ${host}, bind unknown`).toEqual([]);
        expect(unknown.map((f) => f.rule)).toEqual(['preflight.port']);
      } finally {
        await close(other.server);
      }
    }
  });

  it('still holds a service whose own address is taken: 0.0.0.0 blocks 127.0.0.1, 127.0.0.2 blocks a lan gateway', async () => {
    const any = await listen('0.0.0.0');
    try {
      expect(await canBind('127.0.0.1', any.port)).toBe(false);
      fx.withService(gateway(any.port, 'loopback'));
      const f = await preflight(fx.service, { only: ['port'] });
      expect(blocking(f)).toEqual(['preflight.port']);
      expect(f[0]?.evidence).toContain(`127.0.0.1:${any.port}`);
    } finally {
      await close(any.server);
    }
    const other = await listen('127.0.0.2');
    try {
      expect(await canBind('0.0.0.0', other.port)).toBe(false);
      fx.withService(gateway(other.port, 'lan'));
      expect(blocking(await preflight(fx.service, { only: ['port'] }))).toEqual(['preflight.port']);
    } finally {
      await close(other.server);
    }
  });
});
