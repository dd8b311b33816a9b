// GET /api/events on a real server and real sockets: a stream dropped for not reading is reported once (the daemon logs it).
import { describe, expect, it } from 'vitest';
import { sseBed, until } from './sse-bed.js';
import type { ClawbackEvent } from '../../src/observe/events.js';

describe('the event stream under many viewers', () => {
  const { serve, openStream } = sseBed();

  it('reports a stream dropped for not reading, once, with the bytes that waited', async () => {
    const MAX = 64 * 1024;
    const drops: Array<{ bufferedBytes: number; maxBufferedBytes: number; remote: string }> = [];
    const { api, listeners } = await serve({ maxBufferedBytes: MAX, onDropped: (i) => drops.push(i) });
    const client = await openStream(api.port);
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
