// A daemon stopped with its channels down said what it waited for ("waiting up to 5 s for 18 alert(s)"), then exited
// without a word on what it left: how many alerts stayed on disk, for which channel, and why. It now says so.
import { afterEach, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import YAML from 'yaml';
import { markServices, NODE, tempDir } from '../helpers/daemon.js';
import { CLI } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';
import { spawnMarked, type MarkedChild } from '../helpers/processes.js';

const cleanup: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

describe('a stop that leaves alerts undelivered', () => {
  it('says how many it left, per channel, and why', async () => {
    const dir = tempDir('clawback-stop-left-');
    const stateDir = path.join(dir, 'state');
    const configPath = path.join(dir, 'clawback.yaml');
    // One endpoint accepts the connection and never answers; nothing listens on the other (refused).
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((s) => {
      sockets.add(s);
      s.on('data', () => undefined);
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    cleanup.push(() => new Promise<void>((r) => { for (const s of sockets) s.destroy(); silent.close(() => r()); }));
    const silentPort = (silent.address() as net.AddressInfo).port;
    const refusedPort = await freePort();
    const config = markServices({
      api: { port: 0 },
      notify: {
        channels: [
          { type: 'webhook', name: 'silent', url: `http://127.0.0.1:${silentPort}/hook` },
          { type: 'webhook', name: 'refused', url: `http://127.0.0.1:${refusedPort}/hook` },
        ],
      },
      services: [{ name: 'idle', command: [NODE, '-e', 'setInterval(() => {}, 1e9)'] }],
    });
    writeFileSync(configPath, YAML.stringify(config));
    const daemon: MarkedChild = spawnMarked(process.execPath, [CLI, 'run', '--config', configPath, '--state-dir', stateDir], { env: { HOME: path.join(dir, 'home') } });
    cleanup.push(() => daemon.kill());
    await daemon.waitForStdout('dashboard:', 60_000);
    daemon.signal('SIGTERM');
    const exit = await daemon.waitForExit(60_000);
    expect(exit.code).toBe(0);
    const spooled = (name: string): number => readdirSync(path.join(stateDir, 'outbox', name)).filter((f) => /^\d+\.json$/.test(f)).length;
    const [silentLeft, refusedLeft] = [spooled('silent'), spooled('refused')];
    expect(silentLeft).toBeGreaterThan(0);
    expect(refusedLeft).toBeGreaterThan(0);
    const line = new RegExp(`shutdown: ${silentLeft + refusedLeft} alert\\(s\\) left undelivered, kept on disk and sent at the next start: silent ${silentLeft} \\(no answer yet\\); refused ${refusedLeft} \\(fetch failed: [^)]*ECONNREFUSED`);
    expect(daemon.stderr()).toMatch(line);
    expect(readFileSync(path.join(stateDir, 'logs', 'daemon.log'), 'utf8')).toMatch(/left undelivered, kept on disk/);
  }, 120_000);
});
