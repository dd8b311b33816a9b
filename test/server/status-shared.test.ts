// GET /api/status with many viewers on a real server: one built status answers them all until it is older than the
// max age or a state change came through the API; each viewer got its own build before.
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../../src/server/api-server.js';

const TOKEN = 't'.repeat(32);

function request(port: number, method: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent: false, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the status is shared by its viewers', () => {
  let api: ApiServer | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  it('builds it once for 32 viewers, again past the max age, and again after a state change through the API', async () => {
    let builds = 0;
    let now = 1_000;
    api = await startApiServer({
      host: '127.0.0.1',
      port: 0,
      token: TOKEN,
      clock: { monotonic: () => now },
      statusShareMs: 500,
      redactor: { redact: (t) => t.replaceAll('s3cret', '***'), redactDeep: <T>(v: T): T => JSON.parse(JSON.stringify(v).replaceAll('s3cret', '***')) as T },
      handlers: {
        status: () => ({ build: ++builds, note: 's3cret' }),
        action: async () => ({ ok: true, status: 200, message: 'restarted' }),
        subscribe: () => () => undefined,
      },
    });
    const port = api.port;
    const first = await Promise.all(Array.from({ length: 32 }, () => request(port, 'GET', '/api/status')));
    expect(first.every((r) => r.status === 200 && JSON.parse(r.body).build === 1 && JSON.parse(r.body).note === '***')).toBe(true);
    expect(builds).toBe(1);

    now += 499;
    expect(JSON.parse((await request(port, 'GET', '/api/status')).body).build).toBe(1);
    now += 1;
    expect(JSON.parse((await request(port, 'GET', '/api/status')).body).build).toBe(2);

    // The CLI asks for the status right after its request: it sees the change.
    expect((await request(port, 'POST', '/api/services/web/restart', { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    expect(JSON.parse((await request(port, 'GET', '/api/status')).body).build).toBe(3);
    expect(builds).toBe(3);
  });

  it('builds it again at once after any event (a crash, a probe verdict): a drill timing a recovery sees it at once', async () => {
    let builds = 0;
    let events = 0;
    api = await startApiServer({
      host: '127.0.0.1',
      port: 0,
      token: TOKEN,
      clock: { monotonic: () => 1_000 },
      statusShareMs: 500,
      handlers: {
        status: () => ({ build: ++builds }),
        statusVersion: () => events,
        action: async () => ({ ok: true, status: 200, message: 'restarted' }),
        subscribe: () => () => undefined,
      },
    });
    const port = api.port;
    expect(JSON.parse((await request(port, 'GET', '/api/status')).body).build).toBe(1);
    expect(JSON.parse((await request(port, 'GET', '/api/status')).body).build).toBe(1);
    events++;
    expect(JSON.parse((await request(port, 'GET', '/api/status')).body).build).toBe(2);
    expect(JSON.parse((await request(port, 'GET', '/api/status')).body).build).toBe(2);
  });
});
