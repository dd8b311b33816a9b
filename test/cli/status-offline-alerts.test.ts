// `clawback status` with no daemon said only "not running" while the outbox kept alerts (a channel held by its endpoint's
// 429 wait in rate-limit.json): it names each channel's alerts kept on disk, and the wait with the local time it ends.
import http from 'node:http';
import net from 'node:net';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createNotifier, type Notifier } from '../../src/notify/dispatcher.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import { localStamp } from '../../src/cli/local-time.js';
import { waitFor } from '../helpers/processes.js';
import { config, event, removeDir, tempStateDir } from '../notify/helpers.js';

describe('status without a daemon', () => {
  let server: http.Server | undefined;
  let notifier: Notifier | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await notifier?.stop();
    notifier = undefined;
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    server = undefined;
    if (dir) await removeDir(dir);
    dir = undefined;
  });

  it('names the alerts its outbox keeps and the saved 429 wait', async () => {
    // A real endpoint that answers every request 429 with a two-minute Retry-After.
    server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(429, { 'Retry-After': '120' }).end('slow down'));
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const { port } = server.address() as net.AddressInfo;
    dir = await tempStateDir();
    const stateDir = dir;
    notifier = createNotifier(config([{ type: 'webhook', name: 'ops', url: `http://127.0.0.1:${port}/hook` }]), {
      stateDir,
      clock: systemClock(),
      redactor: new Redactor(),
      log: () => undefined,
      warn: () => undefined,
    });
    const asked = Date.now();
    notifier.publish(event({ message: 'gateway down' }));
    notifier.publish(event({ message: 'gateway still down' }));
    await waitFor(() => existsSync(path.join(stateDir, 'outbox', 'ops', 'rate-limit.json')) && (notifier!.rateLimited()['ops']?.pending ?? 0) > 0, { timeoutMs: 20_000 });
    const until = notifier.rateLimited()['ops']!.until;
    // The daemon stops (its alerts stay on disk for the next start).
    await notifier.stop();
    notifier = undefined;

    const cli = await runCli(['status', '--state-dir', stateDir]);
    expect(cli.code).toBe(3);
    expect(cli.stderr).toContain('the clawback daemon is not running');
    // Before: the line above only; the alerts and the wait were not mentioned.
    const line = cli.stderr.split('\n').find((l) => l.startsWith('ALERTS NOT DELIVERED: '));
    expect(line).toMatch(/^ALERTS NOT DELIVERED: 2 alert\(s\) for ops are kept on disk in .*outbox[/\\]ops, not sent while the daemon is not running; its endpoint's rate-limit wait runs until /);
    // The local time the wait ends (within a second of what the notifier held: the file keeps it as wall time).
    const stamps = [until - 1000, until, until + 1000].map((ms) => localStamp(ms));
    expect(stamps.some((s) => line!.includes(s))).toBe(true);
    expect(until).toBeGreaterThan(asked + 100_000);
    expect(line).toContain('`clawback notify flush ops`');

    const json = await runCli(['status', '--state-dir', stateDir, '--json']);
    expect(json.code).toBe(3);
    const answer = JSON.parse(json.stdout) as { ok: boolean; error: { kind: string; message: string } };
    expect(answer.error.kind).toBe('daemon-unreachable');
    expect(answer.error.message).toContain('2 alert(s) for ops are kept on disk');
  }, 60_000);

  it('adds nothing when the outbox is empty', async () => {
    dir = await tempStateDir();
    const cli = await runCli(['status', '--state-dir', dir]);
    expect(cli.code).toBe(3);
    expect(cli.stderr).not.toContain('ALERTS NOT DELIVERED');
  }, 30_000);
});
