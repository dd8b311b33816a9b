// A loopback bind spelled otherwise (IPv4-mapped, a full IPv6 form, brackets, capitals) is still loopback: reads need no
// token and the start prints no "other machines can reach it" warning.
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiServer } from '../../src/server/api-server.js';
import { startBareApi } from './api-bed.js';
import { isLoopbackHost } from '../../src/server/auth.js';
import { exposedApiWarning } from '../../src/cli/cmd-run.js';

let api: ApiServer | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

describe('loopback spellings of api.host', () => {
  it('answers a read without the token on api.host ::ffff:127.0.0.1 (it listens on 127.0.0.1 only)', async () => {
    api = await startBareApi({}, '::ffff:127.0.0.1');
    const res = await fetch(`http://127.0.0.1:${api.port}/api/status`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: 1 });
    // Still loopback-guarded: a foreign Host (DNS rebinding) is refused, a POST without the token too.
    const rebound = await new Promise<number>((resolve, reject) => {
      import('node:http').then(({ request }) => {
        const req = request({ host: '127.0.0.1', port: api!.port, path: '/api/status', headers: { host: 'evil.example:80' } }, (r) => {
          r.resume();
          resolve(r.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      }, reject);
    });
    expect(rebound).toBe(421);
    expect((await fetch(`http://127.0.0.1:${api.port}/api/services/web/stop`, { method: 'POST' })).status).toBe(401);
  });

  it('takes the loopback spellings for loopback and nothing else', () => {
    for (const h of ['127.0.0.1', '127.3.4.5', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', '[::ffff:127.0.0.1]', '::ffff:7f00:1', 'localhost', 'LOCALHOST', 'localhost.']) {
      expect(isLoopbackHost(h), h).toBe(true);
      expect(exposedApiWarning(h, 1234), h).toBeUndefined();
    }
    for (const h of ['0.0.0.0', '::', '[::]', '::ffff:10.0.0.1', '::ffff:0.0.0.0', '10.0.0.1', 'localhost.evil.example', '128.0.0.1', '::2', 'not a host']) {
      expect(isLoopbackHost(h), h).toBe(false);
      expect(exposedApiWarning(h, 1234), h).toBeDefined();
    }
  });
});
