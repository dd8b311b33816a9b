import { afterEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import { addressesConflict, findPortListeners, procAddress } from '../../src/doctor/port-listeners.js';

let server: net.Server | undefined;
afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

function listen(host: string, ipv6Only = false): Promise<number> {
  return new Promise((resolve, reject) => {
    server = net.createServer();
    server.once('error', reject);
    server.listen({ host, port: 0, ipv6Only }, () => resolve((server!.address() as net.AddressInfo).port));
  });
}

describe('port listeners judged against the address the service binds', () => {
  it('reads /proc addresses (IPv4, IPv6, IPv4-mapped) and knows which ones are in the way', () => {
    expect(procAddress('0100007F')).toBe('127.0.0.1');
    expect(procAddress('00000000000000000000000001000000')).toBe('::1');
    expect(procAddress('00000000000000000000000000000000')).toBe('::');
    expect(procAddress('0000000000000000FFFF00000100007F')).toBe('127.0.0.1');
    expect(addressesConflict('::1', '127.0.0.1')).toBe(false);
    expect(addressesConflict('127.0.0.2', '127.0.0.1')).toBe(false);
    expect(addressesConflict('0.0.0.0', '127.0.0.1')).toBe(true);
    expect(addressesConflict('::', '127.0.0.1')).toBe(true);
    expect(addressesConflict('127.0.0.2', '0.0.0.0')).toBe(true);
    expect(addressesConflict('::ffff:127.0.0.1', '127.0.0.1')).toBe(true);
  });

  it('a real listener on [::1] alone is not a holder of 127.0.0.1:P; one on 0.0.0.0 is', async () => {
    const p6 = await listen('::1', true);
    expect((await findPortListeners(p6, undefined, ['127.0.0.1'])).pids).toEqual([]);
    expect((await findPortListeners(p6, undefined, ['::1'])).pids).toEqual([process.pid]);
    expect((await findPortListeners(p6)).pids).toEqual([process.pid]);
    await new Promise<void>((r) => server!.close(() => r()));
    server = undefined;
    const p4 = await listen('0.0.0.0');
    expect((await findPortListeners(p4, undefined, ['127.0.0.1'])).pids).toEqual([process.pid]);
  });
});
