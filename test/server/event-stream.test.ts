// GET /api/events on a real server and real sockets: a subscriber that stops reading is dropped at a bound instead of
// the daemon buffering every later event for it, and an idle stream carries heartbeats.
import { describe, expect, it } from 'vitest';
import { sseBed, until } from './sse-bed.js';
import type { ClawbackEvent } from '../../src/observe/events.js';

describe('the SSE stream is bounded', () => {
  const { serve, openStream } = sseBed();

  it('drops a subscriber that stops reading once its buffer passes the bound, and unsubscribes it', async () => {
    const MAX = 256 * 1024;
    const { api, listeners } = await serve({ maxBufferedBytes: MAX });
    const client = await openStream(api.port);
    expect(await until(() => listeners.size === 1, 5_000)).toBe(true);
    client.pause(); // a frozen tab: the socket stays open, nothing is read

    // 32 MiB of events: far beyond what the kernel's socket buffers absorb.
    const message = 'm'.repeat(1024);
    for (let i = 0; i < 32 * 1024 && listeners.size > 0; i++) {
      for (const l of [...listeners]) l({ type: 'probe.failed', time: i, severity: 'warning', message } as ClawbackEvent);
      if (i % 256 === 0) await new Promise((r) => setImmediate(r));
    }
    expect(listeners.size).toBe(0);

    // What the client gets when it reads again is bounded, and the stream is over.
    let received = 0;
    const ended = new Promise<void>((resolve) => client.once('close', () => resolve()));
    client.on('data', (d: Buffer) => (received += d.length));
    client.on('error', () => undefined);
    client.resume();
    await ended;
    expect(received).toBeLessThan(16 * 1024 * 1024);
  });

  it('keeps a reading subscriber, however many events pass', async () => {
    const { api, listeners } = await serve({ maxBufferedBytes: 64 * 1024 });
    const client = await openStream(api.port);
    let received = 0;
    client.on('data', (d: Buffer) => (received += d.length));
    expect(await until(() => listeners.size === 1, 5_000)).toBe(true);
    for (let i = 0; i < 2_000; i++) {
      for (const l of [...listeners]) l({ type: 'service.healthy', time: i, severity: 'info', message: `event ${i}` } as ClawbackEvent);
      if (i % 20 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    expect(await until(() => received > 2_000 * 40, 10_000)).toBe(true);
    expect(listeners.size).toBe(1);
  });

  it('sends a heartbeat on an idle stream', async () => {
    const { api } = await serve({ heartbeatMs: 100 });
    const client = await openStream(api.port);
    let text = '';
    client.on('data', (d: Buffer) => (text += d.toString()));
    expect(await until(() => (text.match(/: ping\n\n/g) ?? []).length >= 2, 10_000)).toBe(true);
  });
});
