// A daemon whose event loop hangs just after its last heartbeat looked fresh to the CLI: the request in flight is
// answered as "hung" once the heartbeat stands still for the stale limit (6 s), not after the 15 s request timeout.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { CLI, runCli } from '../helpers/cli.js';
import { FIXTURES, NODE, markServices, tempDir } from '../helpers/daemon.js';
import { spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';

let daemon: MarkedChild | undefined;
afterEach(async () => {
  if (!daemon) return;
  daemon.signal('SIGCONT');
  daemon.child.kill('SIGTERM');
  await daemon.waitForExit(15_000).catch(() => daemon!.kill());
  daemon = undefined;
});

const heartbeatAt = (stateDir: string): number => (JSON.parse(readFileSync(path.join(stateDir, 'daemon.json'), 'utf8')) as { heartbeatAt: number }).heartbeatAt;

describe('a CLI request to a daemon that hangs while its heartbeat is still fresh', () => {
  it('ends with exit 3 and "hung" once the heartbeat stands still, well before the 15 s request timeout', async () => {
    const dir = tempDir('clawback-hung-mid-');
    const config = path.join(dir, 'clawback.yaml');
    const stateDir = path.join(dir, 'state');
    writeFileSync(config, YAML.stringify(markServices({ api: { port: 0 }, services: [{ name: 'web', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] })));
    daemon = spawnMarked(NODE, [CLI, 'run', '--config', config, '--state-dir', stateDir]);
    await daemon.waitForStdout('status:', 20_000);
    await waitFor(async () => ((await runCli(['status', '--state-dir', stateDir])).code === 0 ? true : null), { timeoutMs: 20_000, message: 'the daemon answering' });

    for (const args of [['status', '--state-dir', stateDir], ['restart', 'web', '--state-dir', stateDir]]) {
      // Just after a beat, so the CLI reads a fresh heartbeat and sends its request to a daemon that cannot answer.
      const last = heartbeatAt(stateDir);
      await waitFor(() => (heartbeatAt(stateDir) !== last ? true : null), { timeoutMs: 10_000, intervalMs: 20, message: 'a new heartbeat' });
      process.kill(daemon.pid, 'SIGSTOP');
      const started = Date.now();
      const r = await runCli(args, { timeoutMs: 30_000 });
      const tookMs = Date.now() - started;
      process.kill(daemon.pid, 'SIGCONT');
      expect(r.code).toBe(3);
      // SIGSTOPped: said as stopped (process state T), with how to resume it (stale-cause.ts).
      expect(r.stderr).toMatch(/no heartbeat for \d+ s while waiting for its answer, so it is stopped \(process state T/);
      expect(r.stderr).toMatch(/guardian --once/);
      // Before: "no answer within 15000 ms" after 15 s. Now: the stale limit (6 s) plus the CLI's start.
      expect(tookMs).toBeLessThan(11_000);
      await waitFor(async () => ((await runCli(['status', '--state-dir', stateDir])).code === 0 ? true : null), { timeoutMs: 15_000, message: 'the daemon answering again' });
    }
  }, 90_000);
});
