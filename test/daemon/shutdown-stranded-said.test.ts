// A stop with alerts kept for a removed channel said "waiting up to 5 s for 24 alert(s) not yet delivered ... those not
// sent ... go at the next start" and then "23 alert(s) left undelivered, kept on disk and sent at the next start: hookA 23
// (kept, not sent (stranded))": the stop never waits for them and no start sends them while hookA is not configured.
// They are said apart, with what does send them.
import { afterEach, describe, expect, it } from 'vitest';
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { markServices, NODE, tempDir } from '../helpers/daemon.js';
import { CLI } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';
import { spawnMarked } from '../helpers/processes.js';
import { Receiver } from '../notify/receiver.js';

const cleanup: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

describe('a stop with alerts kept for a removed channel', () => {
  it('does not count them as waited for or as sent at the next start', async () => {
    const dir = tempDir('clawback-stop-stranded-');
    const stateDir = path.join(dir, 'state');
    const configPath = path.join(dir, 'clawback.yaml');
    const receiver = await Receiver.start();
    cleanup.push(() => receiver.close());
    const refusedPort = await freePort();
    const run = async (channels: object[]): Promise<string> => {
      writeFileSync(configPath, YAML.stringify(markServices({ api: { port: 0 }, notify: { channels }, services: [{ name: 'idle', command: [NODE, '-e', 'setInterval(() => {}, 1e9)'] }] })));
      const daemon = spawnMarked(process.execPath, [CLI, 'run', '--config', configPath, '--state-dir', stateDir], { env: { HOME: path.join(dir, 'home') } });
      cleanup.push(() => daemon.kill());
      await daemon.waitForStdout('dashboard:', 60_000);
      daemon.signal('SIGTERM');
      expect((await daemon.waitForExit(60_000)).code).toBe(0);
      return daemon.stderr();
    };
    // hookA refuses everything: its alerts stay on disk.
    await run([{ type: 'webhook', name: 'hookA', url: `http://127.0.0.1:${refusedPort}/hook` }]);
    const kept = readdirSync(path.join(stateDir, 'outbox', 'hook+a')).filter((f) => /^\d+\.json$/.test(f)).length;
    expect(kept).toBeGreaterThan(0);
    // hookA removed, hookB works: hookA's alerts are kept (stranded), never sent by this stop or the next start.
    const said = await run([{ type: 'webhook', name: 'hookB', url: `${receiver.base}/webhook/b` }]);
    expect(said).toContain(`shutdown: not waited for (kept on disk, not sent by a restart alone): ${kept} alert(s) are kept for the channel "hookA", which is not configured`);
    expect(said).not.toMatch(/left undelivered[^\n]*hookA/);
    const waited = /shutdown: waiting up to 5 s for (\d+) alert\(s\)/.exec(said);
    if (waited) expect(Number(waited[1])).toBeLessThan(kept);
  }, 120_000);
});
