// GET /api/events on a real server and real sockets: a stream dropped for not reading is reported once (the daemon logs it).
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer, type ApiRedactor } from '../../src/server/api-server.js';
import type { EventStreamOptions } from '../../src/server/event-stream.js';
import type { ClawbackEvent } from '../../src/observe/events.js';

const TOKEN = 't'.repeat(32);

async function serve(sse: EventStreamOptions, redactor?: ApiRedactor): Promise<{ api: ApiServer; listeners: Set<(e: ClawbackEvent) => void> }> {
  const listeners = new Set<(e: ClawbackEvent) => void>();
  const api = await startApiServer({
    host: '127.0.0.1',
    port: 0,
    token: TOKEN,
    sse,
    ...(redactor ? { redactor } : {}),
    handlers: {
      status: () => ({}),
      action: async () => ({ ok: true, status: 200, message: '' }),
      subscribe: (l) => {
        listeners.add(l);
        return () => listeners.delete(l);
      },
    },
  });
  return { api, listeners };
}

function openStream(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1' }, () => {
      s.write(`GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: text/event-stream\r\n\r\n`);
      resolve(s);
    });
    s.once('error', reject);
  });
}

async function until(cond: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; ) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return cond();
}

describe('the event stream under many viewers', () => {
  const open: Array<{ api: ApiServer; sockets: net.Socket[] }> = [];
  afterEach(async () => {
    for (const o of open.splice(0)) {
      for (const s of o.sockets) s.destroy();
      await o.api.close();
    }
  });

  it('reports a stream dropped for not reading, once, with the bytes that waited', async () => {
    const MAX = 64 * 1024;
    const drops: Array<{ bufferedBytes: number; maxBufferedBytes: number; remote: string }> = [];
    const { api, listeners } = await serve({ maxBufferedBytes: MAX, onDropped: (i) => drops.push(i) });
    const client = await openStream(api.port);
    open.push({ api, sockets: [client] });
    expect(await until(() => listeners.size === 1, 5_000)).toBe(true);
    client.pause(); // a frozen tab
    client.on('error', () => undefined);

    const message = 'm'.repeat(1024);
    for (let i = 0; i < 32 * 1024 && listeners.size > 0; i++) {
      for (const l of [...listeners]) l({ type: 'probe.failed', time: i, severity: 'warning', message } as ClawbackEvent);
      if (i % 256 === 0) await new Promise((r) => setImmediate(r));
    }
    expect(listeners.size).toBe(0);
    expect(drops).toHaveLength(1);
    expect(drops[0]!.bufferedBytes).toBeGreaterThan(MAX);
    expect(drops[0]!.maxBufferedBytes).toBe(MAX);
    expect(drops[0]!.remote).toMatch(/^127\.0\.0\.1:\d+$/);
  });
});
