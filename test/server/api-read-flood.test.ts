// Anyone on the machine may read the API on loopback: a flood of costly reads (the incident history, redacted, several
// MB) kept every timer of the daemon waiting (its heartbeat went 74 s stale), and answers nobody read held GBs.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiAnswer, startApiServer, type ApiServer } from '../../src/server/api-server.js';
import { waitFor } from '../helpers/processes.js';

let api: ApiServer | undefined;
const sockets: net.Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await api?.close();
  api = undefined;
});

const handlers = (extra: (path: string) => Promise<unknown>) => ({
  status: () => ({ ok: 1 }),
  action: async () => ({ ok: true, status: 200, message: '' }),
  subscribe: () => () => undefined,
  extra,
});

describe('the API under a flood of costly reads', () => {
  it('makes one answer per turn of the event loop, so timers run between them', async () => {
    const N = 24;
    let arrived = 0;
    let release = (): void => undefined;
    const all = new Promise<void>((r) => (release = r));
    let made = 0;
    // Redacting a body is the costly part; here it takes 5 ms of the event loop, as a long history does (more).
    const redactor = {
      redact: (t: string) => t,
      redactDeep: <T>(v: T): T => {
        const end = performance.now() + 5;
        while (performance.now() < end);
        made++;
        return v;
      },
    };
    api = await startApiServer({
      host: '127.0.0.1',
      port: 0,
      token: 't'.repeat(32),
      redactor,
      handlers: handlers(async (p) => {
        if (p !== '/api/history') return undefined;
        if (++arrived === N) release();
        await all; // every request goes on in the same turn, as reads sharing one journal read do
        return { incidents: [] };
      }),
    });
    const seen: number[] = [];
    const tick = setInterval(() => seen.push(made), 1);
    try {
      const answers = await Promise.all(Array.from({ length: N }, () => fetch(`http://127.0.0.1:${api!.port}/api/history`).then((r) => r.status)));
      expect(answers.every((s) => s === 200)).toBe(true);
    } finally {
      clearInterval(tick);
    }
    // A timer ran while some answers were made and others still waited (before: all N in one turn, none between).
    expect(seen.some((m) => m > 0 && m < N)).toBe(true);
  });

  it('answers 503 while answers wait for a client that does not read, and drops that client after a while', async () => {
    const big = 'x'.repeat(24 * 1024 * 1024);
    api = await startApiServer({
      host: '127.0.0.1',
      port: 0,
      token: 't'.repeat(32),
      sendStallMs: 3_000,
      maxUnsentBytes: 1024 * 1024,
      handlers: handlers(async (p) => (p === '/api/big' ? new ApiAnswer(200, { big }) : p === '/api/small' ? { ok: true } : undefined)),
    });
    const port = api.port;
    const stalled = net.connect({ host: '127.0.0.1', port });
    sockets.push(stalled);
    stalled.on('error', () => undefined);
    stalled.on('connect', () => {
      stalled.write(`GET /api/big HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
      stalled.pause();
    });
    // While 24 MB wait for it, another read is refused at once instead of piling more on the daemon.
    const refused = await waitFor(async () => ((await fetch(`http://127.0.0.1:${port}/api/small`)).status === 503 ? true : null), { timeoutMs: 20_000, message: 'a 503 while the answer waits' });
    expect(refused).toBe(true);
    // The stalled client is dropped after sendStallMs, and reads are answered again; the status never waited.
    expect((await fetch(`http://127.0.0.1:${port}/api/status`)).status).toBe(200);
    await waitFor(async () => ((await fetch(`http://127.0.0.1:${port}/api/small`)).status === 200 ? true : null), { timeoutMs: 20_000, message: 'reads answered again' });
  });
});
