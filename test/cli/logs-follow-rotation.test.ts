// `clawback logs NAME -f` across copy-truncate rotations: what the service wrote after the follower's last read and
// before the truncate (now in NAME.log.1) was never shown, and once the new file grew past the old offset its start was
// skipped too (395 of 173 406 lines lost in 11 gaps over 12 s at 20 000 lines/s). Like `tail -F`, it reads the rest of
// the rotated copy first; a flood trim shows the daemon's drop marker.
import { afterEach, describe, expect, it } from 'vitest';
import { appendFileSync, copyFileSync, mkdirSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { CLI } from '../helpers/cli.js';
import { tempDir } from '../helpers/daemon.js';
import { spawnMarked, type MarkedChild } from '../helpers/processes.js';
import { trimFlood } from '../../src/observe/log-rotation.js';

const lines = (from: number, n: number): string => Array.from({ length: n }, (_, i) => `line ${from + i} ${'x'.repeat(40)}\n`).join('');

describe('logs NAME -f while the log rotates', () => {
  let child: MarkedChild | undefined;
  afterEach(() => child?.kill());

  function setUp(): { log: string; follow: () => MarkedChild } {
    const dir = tempDir();
    const file = path.join(dir, 'clawback.yaml');
    const logs = path.join(dir, 'state', 'logs');
    mkdirSync(logs, { recursive: true });
    writeFileSync(file, YAML.stringify({ services: [{ name: 'web', command: ['node', 'x.js'], logs: { maxBytes: 4096 } }] }));
    const log = path.join(logs, 'web.log');
    writeFileSync(log, lines(0, 100));
    return { log, follow: () => (child = spawnMarked(process.execPath, [CLI, 'logs', 'web', '-f', '-n', '1', '--config', file, '--state-dir', path.join(dir, 'state')])) };
  }

  it('shows every line once, those written just before each truncate and those the new file holds past the old offset', async () => {
    const { log, follow } = setUp();
    const c = follow();
    await c.waitForStdout('line 99 ', 20_000);
    let next = 100;
    for (let round = 0; round < 5; round++) {
      // Lines the follower has not read yet (it is paused: a reader that lags, as behind a busy terminal), then a
      // copy-truncate (as the daemon rotates).
      expect(c.signal('SIGSTOP')).toBe(true);
      appendFileSync(log, lines(next, 300));
      next += 300;
      copyFileSync(log, `${log}.1`);
      truncateSync(log, 0);
      // The new file grows past where the follower's last read ended.
      appendFileSync(log, lines(next, 400));
      next += 400;
      expect(c.signal('SIGCONT')).toBe(true);
      await c.waitForStdout(`line ${next - 1} `, 20_000);
    }
    const seen = c.stdout().split('\n').filter((l) => l.startsWith('line ')).map((l) => Number(l.split(' ')[1]));
    expect(seen).toEqual(Array.from({ length: next - 99 }, (_, i) => 99 + i));
    expect(c.stderr()).toBe('');
  }, 90_000);

  it('shows the drop marker of a flood trim, even when the trimmed file grew past the old offset', async () => {
    const { log, follow } = setUp();
    writeFileSync(log, lines(0, 100));
    const c = follow();
    await c.waitForStdout('line 99 ', 20_000);
    expect(c.signal('SIGSTOP')).toBe(true);
    // Past the generation cap of maxBytes 4096 (1 MiB) in one write, trimmed (as the daemon does every 100 ms), then
    // the service goes on writing past where the follower's last read ended.
    appendFileSync(log, lines(100, 30_000));
    expect(await trimFlood(log, 4096)).toBeGreaterThan(1024 * 1024);
    appendFileSync(log, lines(200_000, 200));
    expect(c.signal('SIGCONT')).toBe(true);
    const out = await c.waitForStdout('line 200199 ', 20_000);
    const marker = out.split('\n').findIndex((l) => /^\[clawback\] \d+ bytes of output before this line were dropped/.test(l));
    const first = out.split('\n').findIndex((l) => l.startsWith('line 200000 '));
    // The follower was paused through the flood: the drop is said by the daemon's marker, before what came after it.
    expect(marker).toBeGreaterThanOrEqual(0);
    expect(marker).toBeLessThan(first);
    expect(out.split('\n').filter((l) => l.startsWith('line ') && Number(l.split(' ')[1]) >= 200_000)).toHaveLength(200);
  }, 90_000);
});
