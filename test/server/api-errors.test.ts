// A name or id with a broken %-escape in the path is the client's error (400, naming the path), not a daemon fault (500).
import { afterEach, describe, expect, it } from 'vitest';
import { ApiAnswer, startApiServer, type ApiServer } from '../../src/server/api-server.js';

const TOKEN = 't'.repeat(32);
let api: ApiServer | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

describe('the API and malformed path escapes', () => {
  it('answers 400 naming the path for a service action, a command route and a GET route', async () => {
    api = await startApiServer({
      host: '127.0.0.1',
      port: 0,
      token: TOKEN,
      handlers: {
        status: () => ({}),
        action: async (name) => ({ ok: true, status: 200, message: `acted on ${name}` }),
        command: async (p) => {
          const m = /^\/api\/services\/([^/]+)\/maintenance$/.exec(p);
          return m ? { status: 200, body: { ok: true, message: decodeURIComponent(m[1]!) } } : undefined;
        },
        extra: async (p) => {
          if (p === '/api/incidents/missing') return new ApiAnswer(404, { error: 'no incident missing' });
          const m = /^\/api\/update\/([^/]+)$/.exec(p);
          return m ? { service: decodeURIComponent(m[1]!) } : undefined;
        },
        subscribe: () => () => undefined,
      },
    });
    const base = `http://127.0.0.1:${api.port}`;
    const auth = { authorization: `Bearer ${TOKEN}` };
    for (const [method, p] of [['POST', '/api/services/web%E0%A4%A/restart'], ['POST', '/api/services/%ZZ/maintenance'], ['GET', '/api/update/%E0']] as const) {
      const res = await fetch(`${base}${p}`, { method, headers: auth });
      const body = (await res.json()) as { error: string };
      expect(res.status, `${method} ${p}`).toBe(400);
      expect(body.error).toContain(p);
      expect(body.error).toMatch(/malformed %-escape/);
    }
    // An id that names nothing is a 404 with its message, not a 200.
    const missing = await fetch(`${base}/api/incidents/missing`, { headers: auth });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'no incident missing' });
    // A well-formed escape still reaches the route.
    const ok = await fetch(`${base}/api/services/web%3A1/restart`, { method: 'POST', headers: auth });
    expect(((await ok.json()) as { message: string }).message).toBe('acted on web:1');
  });
});
