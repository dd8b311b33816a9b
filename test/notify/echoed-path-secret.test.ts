// A webhook's secret may sit in its path, shorter than the 16 characters that make a segment a secret on its own: when the
// endpoint's refusal echoes the path, that secret must not reach the log nor the "undelivered" notice on other channels.
import http from 'node:http';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createNotifier } from '../../src/notify/dispatcher.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import { config, event, logCollector, receiverPerTest } from './helpers.js';

const SECRET = 'k3yS3cr3t9'; // 10 characters

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listFiles(path.join(dir, e.name)) : e.isFile() ? [path.join(dir, e.name)] : []));
}

describe('a refusal that echoes the webhook path', () => {
  const ctx = receiverPerTest();

  it('keeps the path secret out of the log, the notice sent on the other channel and the dead letter on disk', async () => {
    // A real loopback endpoint answering 404 with the path it was asked for, as many self-hosted receivers do.
    const echo = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end(`no webhook registered at ${req.url}`);
      });
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = echo.address() as AddressInfo;
      const logs = logCollector();
      const cfg = config([
        { type: 'webhook', name: 'echoing', url: `http://127.0.0.1:${port}/hooks/${SECRET}` },
        { type: 'webhook', name: 'other', url: `${ctx.receiver.base}/webhook/hook-1` },
      ]);
      const notifier = createNotifier(cfg, { stateDir: ctx.stateDir, clock: systemClock(), redactor: new Redactor(), log: logs.log });
      ctx.notifiers.push(notifier);
      notifier.publish(event({ type: 'service.exited', severity: 'warning', message: 'gateway exited' }));
      await ctx.receiver.waitFor(() => ctx.receiver.accepted.some((m) => m.text.includes('undelivered')), 10_000, 'the undelivered notice');
      expect(logs.lines.some((l) => l.includes('HTTP 404'))).toBe(true);
      expect(logs.lines.filter((l) => l.includes(SECRET))).toEqual([]);
      expect(ctx.receiver.accepted.filter((m) => m.raw.includes(SECRET)).map((m) => m.text)).toEqual([]);
      // Nor the dead letter kept on disk, whose reason `clawback status` and the dashboard show.
      const onDisk = listFiles(ctx.stateDir).map((f) => readFileSync(f, 'utf8'));
      expect(onDisk.some((t) => t.includes('HTTP 404'))).toBe(true);
      expect(listFiles(ctx.stateDir).filter((f) => readFileSync(f, "utf8").includes(SECRET)).map((f) => `${path.relative(ctx.stateDir, f)}: ${readFileSync(f, "utf8").slice(0, 300)}`)).toEqual([]);
    } finally {
      await new Promise<void>((resolve) => {
        echo.close(() => resolve());
        echo.closeAllConnections();
      });
    }
  });
});
