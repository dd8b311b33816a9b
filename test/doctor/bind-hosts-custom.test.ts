// `gateway.bind: custom` with gateway.customBindHost 127.0.0.2: the real gateway (openclaw 2026.9.6) listens on
// 127.0.0.2:P and 127.0.0.1:P. Seen for real: with another program on 127.0.0.3:P (no clash with either), `clawback doctor`
// said "[critical] port P is held by another program" (10 s), as it judged the wildcard for want of the gateway's address.
// The port check follows the custom address (and 127.0.0.1 beside it); a holder on the custom address is still a clash.
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ServiceConfig } from '../../src/config/schema.js';
import { serviceBindHosts } from '../../src/doctor/bind-hosts.js';
import { checkPortFree } from '../../src/doctor/port-bind-check.js';
import { freePort } from '../helpers/ports.js';

const holders: net.Server[] = [];
afterEach(async () => {
  await Promise.all(holders.splice(0).map((h) => new Promise<void>((r) => h.close(() => r()))));
});

async function hold(port: number, host: string): Promise<void> {
  const h = net.createServer();
  holders.push(h);
  await new Promise<void>((resolve, reject) => {
    h.once('error', reject);
    h.listen({ port, host, exclusive: true }, () => resolve());
  });
}

/** The preset's gateway (--bind from the config) with its JSON5 config in a temp folder. */
function gateway(port: number, gw: Record<string, unknown>, flag?: string): ServiceConfig {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'clawback-bind-custom-'));
  const file = path.join(dir, 'openclaw.json');
  writeFileSync(file, JSON.stringify({ gateway: { mode: 'local', port, ...gw } }));
  const command = ['node', 'openclaw.mjs', 'gateway', 'run', ...(flag ? ['--bind', flag] : []), '--port', String(port)];
  return { name: 'gw', command, port, probes: [], openclaw: { cli: ['openclaw'] }, configFile: { path: file, format: 'json5' } } as unknown as ServiceConfig;
}

describe('the port check of an OpenClaw gateway with bind custom', () => {
  it('judges the custom address and 127.0.0.1: a holder elsewhere is no clash, one on the custom address is', async () => {
    const port = await freePort();
    const svc = gateway(port, { bind: 'custom', customBindHost: '127.0.0.2' }, 'custom');
    const hosts = await serviceBindHosts(svc, () => false);
    expect(hosts).toEqual(['127.0.0.2', '127.0.0.1']);
    await hold(port, '127.0.0.3');
    expect(await checkPortFree(port, hosts)).toEqual({ state: 'free' });
    await hold(port, '127.0.0.2');
    expect((await checkPortFree(port, hosts)).state).toBe('in-use');
  });

  it('bind custom from the config alone, and without an IPv4 customBindHost: 0.0.0.0 as the gateway falls back', async () => {
    const port = await freePort();
    expect(await serviceBindHosts(gateway(port, { bind: 'custom', customBindHost: '127.0.0.2' }), () => false)).toEqual(['127.0.0.2', '127.0.0.1']);
    expect(await serviceBindHosts(gateway(port, { bind: 'custom' }, 'custom'), () => false)).toEqual(['0.0.0.0']);
    expect(await serviceBindHosts(gateway(port, { bind: 'custom', customBindHost: 'gw.example' }, 'custom'), () => false)).toEqual(['0.0.0.0']);
    // tailnet's address is the machine's Tailscale one: not known here, the check stays uncertain.
    expect(await serviceBindHosts(gateway(port, { bind: 'tailnet' }, 'tailnet'), () => false)).toBeUndefined();
  });
});
