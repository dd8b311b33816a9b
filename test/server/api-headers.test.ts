// What the API sends must not be sniffed into something runnable by a browser: every answer says its type, and nosniff.
import { afterEach, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../../src/server/api-server.js';

let api: ApiServer | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

describe('the API response headers', () => {
  it('marks JSON and the /metrics text nosniff (a scrape holding service output is never run as a script)', async () => {
    api = await startApiServer({
      host: '127.0.0.1',
      port: 0,
      token: 't'.repeat(32),
      handlers: {
        status: () => ({ ok: 1 }),
        action: async () => ({ ok: true, status: 200, message: '' }),
        subscribe: () => () => undefined,
        metrics: async () => 'clawback_up{service="alert(1)//"} 1\n',
      },
    });
    for (const p of ['/api/status', '/metrics']) {
      const res = await fetch(`http://127.0.0.1:${api.port}${p}`);
      expect(res.status, p).toBe(200);
      expect(res.headers.get('x-content-type-options'), p).toBe('nosniff');
    }
  });
});
