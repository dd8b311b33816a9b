// GET /api/events with many viewers, on a real server and real sockets: an event is redacted and serialised once
// however many streams carry it, and a stream dropped for not reading is reported once.
import { describe, expect, it } from 'vitest';
import { sseBed, until } from './sse-bed.js';
import type { ApiRedactor } from '../../src/server/api-server.js';
import type { ClawbackEvent } from '../../src/observe/events.js';

describe('the event stream under many viewers', () => {
  const { serve, openStream } = sseBed();

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
