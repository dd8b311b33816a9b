// One API server with a live event stream and raw sockets on it, for the tests of GET /api/events (bounds, cost, drops).
import net from 'node:net';
import { afterEach } from 'vitest';
import { startApiServer, type ApiServer, type ApiRedactor } from '../../src/server/api-server.js';
import type { EventStreamOptions } from '../../src/server/event-stream.js';
import type { ClawbackEvent } from '../../src/observe/events.js';

const TOKEN = 't'.repeat(32);

/** A server whose event bus is `listeners` (the test publishes by calling them); closed with its sockets after each test. */
export function sseBed(): {
  serve(sse: EventStreamOptions, redactor?: ApiRedactor): Promise<{ api: ApiServer; listeners: Set<(e: ClawbackEvent) => void> }>;
  openStream(port: number): Promise<net.Socket>;
} {
  const open: Array<{ api: ApiServer; sockets: net.Socket[] }> = [];
  afterEach(async () => {
    for (const o of open.splice(0)) {
      for (const s of o.sockets) s.destroy();
      await o.api.close();
    }
  });
  return {
    async serve(sse, redactor) {
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
      open.push({ api, sockets: [] });
      return { api, listeners };
    },
    openStream(port) {
      return new Promise((resolve, reject) => {
        const s = net.connect({ port, host: '127.0.0.1' }, () => {
          s.write(`GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: text/event-stream\r\n\r\n`);
          resolve(s);
        });
        s.once('error', reject);
        open.at(-1)?.sockets.push(s);
      });
    },
  };
}

/** Polls cond every 20 ms up to ms; its last value. */
export async function until(cond: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; ) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return cond();
}
