// `gateway.bind: auto` in a container: the gateway binds 0.0.0.0 (openclaw 2026.9.6), not 127.0.0.1. Seen for real: with
// another program on 127.0.0.2:P, `clawback doctor` said "healthy" (it bound 127.0.0.1:P only) while the gateway itself
// could not take the port. The port check must judge the address the gateway really binds.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ServiceConfig } from '../../src/config/schema.js';
import { serviceBindHosts } from '../../src/doctor/bind-hosts.js';
import { checkPortFree } from '../../src/doctor/port-bind-check.js';
import { freePort } from '../helpers/ports.js';

let holder: net.Server | undefined;
afterEach(async () => {
  await new Promise<void>((r) => (holder ? holder.close(() => r()) : r()));
  holder = undefined;
});

const gateway = (port: number, bind: string): ServiceConfig =>
  ({ name: 'gw', command: ['node', 'openclaw.mjs', 'gateway', 'run', '--bind', bind, '--port', String(port)], port, probes: [], openclaw: { cli: ['openclaw'] } }) as unknown as ServiceConfig;

describe('the port check of an OpenClaw gateway with bind auto', () => {
  it('in a container judges 0.0.0.0: a holder on another loopback address is a conflict; outside one it is not', async () => {
    const port = await freePort();
    holder = net.createServer();
    await new Promise<void>((resolve, reject) => {
      holder!.once('error', reject);
      holder!.listen({ port, host: '127.0.0.2', exclusive: true }, () => resolve());
    });
    const inContainer = await serviceBindHosts(gateway(port, 'auto'), () => true);
    expect(inContainer).toEqual(['0.0.0.0']);
    expect((await checkPortFree(port, inContainer)).state).toBe('in-use');
    const outside = await serviceBindHosts(gateway(port, 'auto'), () => false);
    expect(outside).toEqual(['127.0.0.1']);
    expect((await checkPortFree(port, outside)).state).toBe('free');
    expect(await serviceBindHosts(gateway(port, 'loopback'), () => true)).toEqual(['127.0.0.1']);
  });
});
