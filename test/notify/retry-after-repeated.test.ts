// A Retry-After sent twice (a proxy adding its own to the origin's) reaches fetch joined ("2, 2"): it must still be honoured.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createNotifier, type Notifier } from '../../src/notify/dispatcher.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import { config, event, removeDir, tempStateDir } from './helpers.js';

/** Answers the first request 429 with the given Retry-After header values (each its own header line), then 200. */
async function endpoint(values: () => string[]): Promise<{ url: string; times: Array<{ at: number; status: number }>; close(): Promise<void> }> {
  const times: Array<{ at: number; status: number }> = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const status = times.length === 0 ? 429 : 200;
      times.push({ at: Date.now(), status });
      if (status === 429) res.setHeader('retry-after', values());
      res.writeHead(status);
      res.end(status === 429 ? 'slow down' : '{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    times,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('a Retry-After header sent twice', () => {
  const notifiers: Notifier[] = [];
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await Promise.all(notifiers.splice(0).map((n) => n.stop()));
    for (const c of cleanups.splice(0)) await c();
  });

  const cases: Array<[string, () => string[]]> = [
    ['in seconds', () => ['2', '2']],
    ['as HTTP-dates', () => [new Date(Date.now() + 3000).toUTCString(), new Date(Date.now() + 3000).toUTCString()]],
  ];
  for (const [what, values] of cases) {
    it(`${what}: the retry waits for it (not the 50 ms backoff)`, async () => {
      const ep = await endpoint(values);
      const stateDir = await tempStateDir();
      cleanups.push(ep.close, () => removeDir(stateDir));
      const n = createNotifier(config([{ type: 'webhook', url: ep.url }]), { stateDir, clock: systemClock(), redactor: new Redactor() });
      notifiers.push(n);
      n.publish(event({ message: 'limited twice over' }));
      const deadline = Date.now() + 15_000;
      while (!ep.times.some((t) => t.status === 200) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(ep.times.map((t) => t.status)).toEqual([429, 200]);
      // The HTTP-date has whole seconds: at least 1 s of its 3 is left after rounding down.
      expect(ep.times[1]!.at - ep.times[0]!.at).toBeGreaterThanOrEqual(1000);
    });
  }
});
