// GET /api/events with many viewers, on a real server and real sockets: an event is redacted and serialised once
// however many streams carry it, and a stream dropped for not reading is reported once.
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

  it('redacts and serialises an event once for 8 streams, and each stream gets it', async () => {
    let redactions = 0;
    const redactor: ApiRedactor = {
      redact: (t) => t.replaceAll('s3cret', '***'),
      redactDeep: <T>(v: T): T => {
        redactions++;
        return JSON.parse(JSON.stringify(v).replaceAll('s3cret', '***')) as T;
      },
    };
    const { api, listeners } = await serve({}, redactor);
    const clients = await Promise.all(Array.from({ length: 8 }, () => openStream(api.port)));
    open.push({ api, sockets: clients });
    const texts = clients.map(() => '');
    clients.forEach((c, i) => c.on('data', (d: Buffer) => (texts[i] += d.toString())));
    expect(await until(() => listeners.size === 8, 10_000)).toBe(true);

    const event = { type: 'service.healthy', time: 1, severity: 'info', message: 'token s3cret', service: 'web' } as ClawbackEvent;
    for (const l of [...listeners]) l(event);
    expect(await until(() => texts.every((t) => t.includes('event: service.healthy')), 10_000)).toBe(true);
    for (const t of texts) {
      expect(t).toContain('"message":"token ***"');
      expect(t).not.toContain('s3cret');
    }
    expect(redactions).toBe(1);
  });
});
