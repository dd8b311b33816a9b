// The drill's line to the daemon: an action whose answer outlasts the client's timeout (a slow preflight) counts as sent; a daemon that is gone is still an error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/daemon.js';
import { DaemonLink } from '../../src/drill/daemon-link.js';
import { processStartTime } from '../../src/platform/proc.js';

describe('DaemonLink.action', () => {
  let server: http.Server;
  let port: number;
  const held: http.ServerResponse[] = [];
  beforeAll(async () => {
    // A daemon API that takes the request and answers only after the client gave up (as a resume that waits for a 40 s preflight).
    server = http.createServer((_req, res) => void held.push(res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    for (const r of held) r.destroy();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  /** A daemon.json for `pid`, its heartbeat renewed every second as a live daemon's (a beat dated ahead reads as stale). */
  function stateDirFor(pid: number): { dir: string; stop(): void } {
    const dir = tempDir('clawback-link-');
    const startedAt = Date.now();
    const beat = (): void =>
      writeFileSync(path.join(dir, 'daemon.json'), JSON.stringify({ pid, startedAt, version: 'test', api: { host: '127.0.0.1', port }, heartbeatAt: Date.now(), configPath: '', pidStartTime: processStartTime(pid) ?? null }));
    beat();
    const timer = setInterval(beat, 1000);
    return { dir, stop: () => clearInterval(timer) };
  }

  it('a request the daemon took but did not answer within 15 s is reported as sent (status 0), not thrown', async () => {
    const daemon = stateDirFor(process.pid);
    const r = await new DaemonLink(daemon.dir).action('gw', 'resume').finally(() => daemon.stop());
    expect(r.status).toBe(0);
    expect(r.message).toContain('resume sent; ');
    expect(r.message).toContain('no answer within 15000 ms');
    expect(held.length).toBeGreaterThanOrEqual(1);
  }, 30_000);

  it('a daemon whose pid is gone is still an error', async () => {
    const gone = stateDirFor(2 ** 22 - 3);
    await expect(new DaemonLink(gone.dir).action('gw', 'resume').finally(() => gone.stop())).rejects.toThrow(/not running/);
  });
});
