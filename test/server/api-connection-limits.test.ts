// Anyone on the machine may connect to the API: a flood of idle sockets or live event streams must not take every
// file descriptor of the daemon (its heartbeat, journal and service starts failed with EMFILE while it was held).
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SSE_MAX_SUBSCRIBERS, startApiServer, type ApiServer } from '../../src/server/api-server.js';

/** Well above the bounds (32 streams, 256 connections) and well below a file descriptor limit. */
const STREAMS = 100;
const IDLE = 400;

let api: ApiServer | undefined;
const sockets: net.Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await api?.close();
  api = undefined;
});

async function start(action: () => Promise<{ ok: boolean; status: number; message: string }> = async () => ({ ok: true, status: 200, message: '' })): Promise<ApiServer> {
  api = await startApiServer({
    host: '127.0.0.1',
    port: 0,
    token: 't'.repeat(32),
    handlers: { status: () => ({ ok: 1 }), action, subscribe: () => () => undefined },
  });
  return api;
}

/** A raw socket that records the first status line it got and whether the server closed it. */
function open(port: number, request?: string): { socket: net.Socket; status: () => number | undefined; closed: () => boolean } {
  const socket = net.connect({ host: '127.0.0.1', port });
  sockets.push(socket);
  let text = '';
  let closed = false;
  socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
  socket.on('error', () => undefined);
  socket.on('close', () => (closed = true));
  if (request) socket.write(request);
  return { socket, status: () => (/^HTTP\/1\.1 (\d{3})/.exec(text) ? Number(RegExp.$1) : undefined), closed: () => closed };
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
}

describe('the API under a flood of connections', () => {
  it('holds a bounded number of live event streams; the others get 503 and are closed, the API still answers', async () => {
    const { port } = await start();
    const streams = Array.from({ length: STREAMS }, () => open(port, `GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`));
    await until(() => streams.every((s) => s.status() !== undefined));
    const held = streams.filter((s) => s.status() === 200).length;
    expect(held).toBeGreaterThan(0);
    expect(held).toBeLessThanOrEqual(64);
    const refused = streams.filter((s) => s.status() === 503);
    expect(refused).toHaveLength(STREAMS - held);
    await until(() => refused.every((s) => s.closed()));
    expect(refused.every((s) => s.closed())).toBe(true);
    const res = await fetch(`http://127.0.0.1:${port}/api/status`, { signal: AbortSignal.timeout(3000) });
    expect(await res.json()).toEqual({ ok: 1 });
  });

  it('lets a client with the token in while streams opened without one hold every place: the oldest of those makes room', async () => {
    const { port } = await start();
    const get = (auth: boolean): string => `GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${auth ? `Authorization: Bearer ${'t'.repeat(32)}\r\n` : ''}\r\n`;
    // A local process holds every stream (reads need no token on loopback).
    const anonymous: Array<ReturnType<typeof open>> = [];
    for (let i = 0; i < SSE_MAX_SUBSCRIBERS; i++) {
      anonymous.push(open(port, get(false)));
      await until(() => anonymous[i]!.status() !== undefined);
    }
    expect(anonymous.map((s) => s.status())).toEqual(anonymous.map(() => 200));
    const late = open(port, get(false));
    await until(() => late.status() !== undefined);
    expect(late.status()).toBe(503);
    // The owner's dashboard, with the token: it gets a stream (before, 503 for as long as the others were held) ...
    const owner = open(port, get(true));
    await until(() => owner.status() !== undefined);
    expect(owner.status()).toBe(200);
    // ... in the place of the oldest stream opened without the token, and only that one.
    await until(() => anonymous[0]!.closed());
    expect(anonymous.map((s) => s.closed())).toEqual(anonymous.map((_, i) => i === 0));
    // Streams with the token never make room for each other: the bound still holds.
    const owners = [owner];
    for (let i = 1; i < SSE_MAX_SUBSCRIBERS; i++) {
      owners.push(open(port, get(true)));
      await until(() => owners[i]!.status() !== undefined);
    }
    expect(owners.map((s) => s.status())).toEqual(owners.map(() => 200));
    await until(() => anonymous.every((s) => s.closed()));
    expect(anonymous.every((s) => s.closed())).toBe(true);
    const more = open(port, get(true));
    await until(() => more.status() !== undefined);
    expect(more.status()).toBe(503);
    expect(owners.some((s) => s.closed())).toBe(false);
  });

  it('closes connections beyond its bound at once, and answers again when the flood is gone', async () => {
    const { port } = await start();
    const idle = Array.from({ length: IDLE }, () => open(port));
    await until(() => idle.filter((s) => s.closed()).length >= IDLE - 256);
    expect(idle.filter((s) => !s.closed()).length).toBeLessThanOrEqual(256);
    for (const s of idle) s.socket.destroy();
    await new Promise((r) => setTimeout(r, 100));
    const res = await fetch(`http://127.0.0.1:${port}/api/status`, { signal: AbortSignal.timeout(3000) });
    expect(res.status).toBe(200);
  });

  it('lets the CLI in while a local process holds every connection idle: the oldest idle one makes room', async () => {
    const { port } = await start();
    const idle = Array.from({ length: IDLE }, () => open(port));
    await until(() => idle.filter((s) => s.closed()).length >= IDLE - 256);
    // The flood is still held (256 idle sockets open): a request with its head sent at once must get an answer.
    expect(idle.filter((s) => !s.closed()).length).toBe(256);
    const res = await fetch(`http://127.0.0.1:${port}/api/status`, { signal: AbortSignal.timeout(3000) });
    expect(await res.json()).toEqual({ ok: 1 });
    // The sockets closed to make room were the oldest ones, and the bound still holds.
    await until(() => idle.filter((s) => !s.closed()).length <= 255);
    expect(idle.filter((s) => !s.closed()).length).toBeLessThanOrEqual(255);
    expect(idle.slice(-100).every((s) => !s.closed())).toBe(true);
  });

  it('closes the newcomer when every connection has a request in flight', async () => {
    let release = (): void => undefined;
    const held = new Promise<void>((r) => (release = r));
    let inFlight = 0;
    const { port } = await start(async () => {
      inFlight += 1;
      await held;
      return { ok: true, status: 200, message: '' };
    });
    const post = `POST /api/services/x/restart HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${'t'.repeat(32)}\r\nContent-Length: 0\r\n\r\n`;
    const busy = Array.from({ length: 256 }, () => open(port, post));
    // Every connection must hold a request in the handler before the newcomer comes (a fixed sleep raced under load).
    await until(() => inFlight === 256, 20_000);
    expect(inFlight).toBe(256);
    const late = open(port, `GET /api/status HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
    await until(() => late.closed());
    expect(late.closed()).toBe(true);
    expect(late.status()).toBeUndefined();
    expect(busy.filter((s) => s.closed())).toHaveLength(0);
    release();
    await until(() => busy.every((s) => s.status() === 200));
    expect(busy.every((s) => s.status() === 200)).toBe(true);
  });
});
