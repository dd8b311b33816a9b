// What the API sends must not be sniffed into something runnable by a browser: every answer says its type, and nosniff.
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiServer } from '../../src/server/api-server.js';
import { BED_TOKEN, startBareApi } from './api-bed.js';

let api: ApiServer | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

describe('the API response headers', () => {
  it('marks JSON and the /metrics text nosniff (a scrape holding service output is never run as a script)', async () => {
    api = await startBareApi({ metrics: async () => 'clawback_up{service="alert(1)//"} 1\n' });
    for (const p of ['/api/status', '/metrics']) {
      const res = await fetch(`http://127.0.0.1:${api.port}${p}`);
      expect(res.status, p).toBe(200);
      expect(res.headers.get('x-content-type-options'), p).toBe('nosniff');
    }
  });
});

describe('the browser-hardening headers', () => {
  it('go with every answer: pages, JSON, errors, 404s, refusals, /metrics and the event stream', async () => {
    api = await startBareApi({
      metrics: async () => 'clawback_up 1\n',
      dashboard: (p) => (p === '/' ? { body: '<!doctype html><p>hi', type: 'text/html; charset=utf-8' } : undefined),
    });
    const base = `http://127.0.0.1:${api.port}`;
    const asks: Array<[string, RequestInit, number]> = [
      ['/', {}, 200],
      ['/api/status', {}, 200],
      ['/metrics', {}, 200],
      ['/nothing-here', {}, 404],
      ['/api/events', { method: 'HEAD' }, 200],
      ['/api/status', { method: 'PUT' }, 405],
      ['/api/services/web/restart', { method: 'POST' }, 401],
      ['/api/services/web/restart', { method: 'POST', headers: { origin: 'http://127.0.0.1:1' } }, 403],
      ['/api/services/%E0/restart', { method: 'POST', headers: { authorization: `Bearer ${BED_TOKEN}` } }, 400],
    ];
    for (const [p, init, want] of asks) {
      const res = await fetch(`${base}${p}`, init);
      const what = `${init.method ?? 'GET'} ${p}`;
      expect(res.status, what).toBe(want);
      expect(res.headers.get('x-content-type-options'), what).toBe('nosniff');
      expect(res.headers.get('x-frame-options'), what).toBe('DENY');
      expect(res.headers.get('referrer-policy'), what).toBe('no-referrer');
      expect(res.headers.get('content-security-policy'), what).toContain("frame-ancestors 'none'");
      await res.arrayBuffer().catch(() => undefined);
    }
    // The page keeps its own policy (its scripts and styles from itself); data answers may load nothing.
    expect((await fetch(`${base}/`)).headers.get('content-security-policy')).toContain("default-src 'self'");
    expect((await fetch(`${base}/api/status`)).headers.get('content-security-policy')).toContain("default-src 'none'");

    // A foreign Host (DNS rebinding) is refused with the same headers.
    const refused = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: api!.port, path: '/api/status', headers: { host: 'evil.example:80' } }, resolve).on('error', reject);
    });
    refused.resume();
    expect(refused.statusCode).toBe(421);
    expect(refused.headers['referrer-policy']).toBe('no-referrer');
    expect(refused.headers['x-frame-options']).toBe('DENY');

    // The live event stream too.
    const abort = new AbortController();
    const stream = await fetch(`${base}/api/events`, { signal: abort.signal });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('referrer-policy')).toBe('no-referrer');
    expect(stream.headers.get('x-frame-options')).toBe('DENY');
    abort.abort();
  });
});
