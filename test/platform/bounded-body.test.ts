// An endpoint that answers without end (a model's, a chat webhook) cannot fill the daemon's memory: answers are read
// up to a bound.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { postJson } from '../../src/emergency/api-endpoint.js';
import { Redactor } from '../../src/observe/redact.js';
import { sendHttp } from '../../src/notify/http-send.js';
import { systemClock } from '../../src/platform/clock.js';

let server: http.Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

function listen(handler: http.RequestListener): Promise<string> {
  server = http.createServer(handler);
  return new Promise((resolve) => server!.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server!.address() as AddressInfo).port}/v1/chat/completions`)));
}

/** Answers 200, then sends 64 KiB chunks until the client goes away (bounded: 200 MB at most). */
function endless(type: string, onSent: (bytes: number) => void, onClose: () => void): http.RequestListener {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': type });
    let closed = false;
    let sent = 0;
    res.on('close', () => {
      closed = true;
      onClose();
    });
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const pump = (): void => {
      while (!closed && sent < 200_000_000) {
        sent += chunk.length;
        onSent(sent);
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
  };
}

describe('postJson', () => {
  it('gives up on an endless chunked answer past the bound and closes the connection (the server stops sending)', async () => {
    let sent = 0;
    let closed = false;
    const url = await listen(endless('application/json', (n) => (sent = n), () => (closed = true)));
    const before = process.memoryUsage().rss;
    await expect(postJson(url, {}, { model: 'm' }, new AbortController().signal, new Redactor())).rejects.toThrow(/model answer too large \(more sent, at most 4000000 bytes\)/);
    await new Promise((r) => setTimeout(r, 200));
    expect(closed).toBe(true);
    expect(sent).toBeLessThan(50_000_000);
    console.log(`[measure] endless answer: ${(sent / 1e6).toFixed(1)} MB sent before the client gave up; rss +${((process.memoryUsage().rss - before) / 1e6).toFixed(1)} MB`);
  });

  it('refuses a declared oversize answer before reading it; a normal answer is parsed', async () => {
    let big = true;
    const url = await listen((_req, res) => {
      if (big) {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '9000000' });
        res.write('{');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
    await expect(postJson(url, {}, {}, new AbortController().signal, new Redactor())).rejects.toThrow(/9000000 bytes declared, at most 4000000/);
    big = false;
    expect(await postJson(url, {}, {}, new AbortController().signal, new Redactor())).toEqual({ ok: true });
  });

  it('a chat webhook that answers 200 and then sends without end: the alert counts as delivered, 64 KiB of the answer kept', async () => {
    let sent = 0;
    let closed = false;
    const url = await listen(endless('text/plain', (n) => (sent = n), () => (closed = true)));
    const answer = await sendHttp({ url, method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"content":"hi"}' }, { clock: systemClock(), timeoutMs: 30_000 });
    expect(answer.status).toBe(200);
    expect(answer.body.length).toBe(64 * 1024);
    await new Promise((r) => setTimeout(r, 200));
    expect(closed).toBe(true);
    expect(sent).toBeLessThan(50_000_000);
  });
});
