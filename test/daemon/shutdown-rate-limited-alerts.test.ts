// A SIGTERM with alerts waiting only for a channel rate-limited for 30 s waited its whole 5 s flush for them, though
// nothing could be sent in it. The stop now says the channel is not waited for, leaves the alerts in the spool, and
// the next start sends them once the wait is over.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { markServices, NODE, tempDir } from '../helpers/daemon.js';
import { CLI } from '../helpers/cli.js';
import { spawnMarked, type MarkedChild } from '../helpers/processes.js';
import { Receiver } from '../notify/receiver.js';
import { RATE_LIMIT_FILE } from '../../src/notify/outbox.js';

const BOT = '123456789:AAH-test_token_abcdefghijklmnopqrstuvwxyz0';
const cleanup: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

describe('a stop with alerts held by a rate limit', () => {
  it('does not wait for them; they stay spooled for the next start', async () => {
    const dir = tempDir('clawback-stop-429-');
    const stateDir = path.join(dir, 'state');
    const configPath = path.join(dir, 'clawback.yaml');
    const receiver = await Receiver.start();
    cleanup.push(() => receiver.close());
    receiver.rateLimit(1000, 30);
    const config = markServices({
      api: { port: 0 },
      notify: { channels: [{ type: 'telegram', name: 'tg', mode: 'every-event', botToken: BOT, chatId: -1234, apiBase: `${receiver.base}/telegram` }] },
      services: [{ name: 'idle', command: [NODE, '-e', 'setInterval(() => {}, 1e9)'] }],
    });
    writeFileSync(configPath, YAML.stringify(config));
    const daemon: MarkedChild = spawnMarked(process.execPath, [CLI, 'run', '--config', configPath, '--state-dir', stateDir], { env: { HOME: path.join(dir, 'home') } });
    cleanup.push(() => daemon.kill());
    await daemon.waitForStdout('dashboard:', 60_000);
    await receiver.waitFor(() => receiver.requests.length >= 1, 30_000, 'the 429');
    await receiver.waitFor(() => existsSync(path.join(stateDir, 'outbox', 'tg', RATE_LIMIT_FILE)), 30_000, 'the saved wait');
    daemon.signal('SIGTERM');
    const exit = await daemon.waitForExit(60_000);
    expect(exit.code).toBe(0);
    expect(daemon.stderr()).toMatch(/shutdown: waiting up to 5 s for \d+ alert\(s\) not yet delivered \(tg rate-limited for \d+ s more: not waited for\)/);
    // One try, answered 429: nothing hammered the channel on the way out.
    expect(receiver.requests.map((r) => r.status)).toEqual([429]);
    const spooled = readdirSync(path.join(stateDir, 'outbox', 'tg')).filter((f) => /^\d+\.json$/.test(f));
    expect(spooled.length).toBeGreaterThan(0);
  }, 120_000);
});
