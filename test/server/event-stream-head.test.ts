// A HEAD of the live event stream (an uptime checker's look) is answered at once and takes no stream slot: it got no
// answer at all and held one of the 32 slots until the client gave up.
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { SSE_MAX_SUBSCRIBERS, type ApiServer } from '../../src/server/api-server.js';
import { startBareApi } from './api-bed.js';

let api: ApiServer | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

/** One HEAD on a fresh connection; rejects when no answer came within a generous bound (the defect's symptom). */
function head(port: number, path: string): Promise<{ status: number; type: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: 'HEAD', agent: false, timeout: 15_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'] }));
    });
    req.on('timeout', () => req.destroy(new Error(`HEAD ${path}: no answer in 15 s`)));
    req.on('error', reject);
    req.end();
  });
}

describe('HEAD /api/events', () => {
  it('is answered with the stream headers and leaves every stream slot free', async () => {
    api = await startBareApi();
    const answers = await Promise.all(Array.from({ length: SSE_MAX_SUBSCRIBERS + 2 }, () => head(api!.port, '/api/events')));
    for (const a of answers) expect(a).toEqual({ status: 200, type: 'text/event-stream' });
    // A real stream still opens: the HEADs held no slot.
    const ctl = new AbortController();
    const res = await fetch(`http://127.0.0.1:${api.port}/api/events`, { signal: ctl.signal });
    expect(res.status).toBe(200);
    ctl.abort();
  }, 60_000);
});
